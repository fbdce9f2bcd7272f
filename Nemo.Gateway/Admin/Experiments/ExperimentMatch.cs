namespace Nemo.Gateway.Admin.Experiments;

/// <summary>What an experiment matches: requests for one model, or requests naming one prompt template.</summary>
internal sealed record ExperimentMatch(string? Model, Guid? PromptId);
