namespace Nemo.Gateway.Experiments;

/// <summary>One arm of an A/B test: its share (<see cref="Weight"/> out of the variants' total) and what it changes.</summary>
internal sealed record ExperimentVariant(string Name, int Weight, string? Model, int? PromptVersion);
