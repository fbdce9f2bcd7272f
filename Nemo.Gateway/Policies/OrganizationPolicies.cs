using Nemo.Gateway.Experiments;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Prompts;

namespace Nemo.Gateway.Policies;

/// <summary>
/// An organization's guardrails (enabled ones), prompt templates, running experiments and provider
/// routing preferences, compiled for the request path. Immutable: a reload replaces the whole snapshot.
/// </summary>
internal sealed record OrganizationPolicies(
    IReadOnlyList<GuardrailRule> Guardrails,
    IReadOnlyDictionary<Guid, PromptEntry> Prompts,
    IReadOnlyList<ExperimentEntry> Experiments)
{
    public static readonly OrganizationPolicies Empty = new([], new Dictionary<Guid, PromptEntry>(), []);

    /// <summary>The organization's preferred and ignored providers (<see cref="ProviderPreferences.None"/> when it set none).</summary>
    public Routing.ProviderPreferences Providers { get; init; } = Routing.ProviderPreferences.None;

    public bool IsEmpty => Guardrails.Count == 0 && Prompts.Count == 0 && Experiments.Count == 0 && Providers.IsEmpty;

    /// <summary>The running experiment that matches a request's template (first) or model, if any.</summary>
    public ExperimentEntry? ExperimentFor(Guid? promptId, string? model)
    {
        foreach (ExperimentEntry experiment in Experiments)
        {
            if (promptId is { } p && experiment.MatchPromptId == p)
                return experiment;
        }
        foreach (ExperimentEntry experiment in Experiments)
        {
            if (model is not null && experiment.MatchModel == model)
                return experiment;
        }
        return null;
    }
}
