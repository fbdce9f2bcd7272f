using Nemo.Gateway.Experiments;

namespace Nemo.Gateway.Admin.Experiments;

/// <summary>An A/B test as the admin API shows it.</summary>
internal sealed record ExperimentView(
    Guid Id, string Name, string Status, ExperimentMatch Match, IReadOnlyList<ExperimentVariant> Variants, string StickyBy,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public string Object => "experiment";
}
