namespace Nemo.Gateway.Policies;

/// <summary>The A/B test variant that serves a request; recorded in its usage event (or request-log entry).</summary>
internal sealed record ExperimentAssignment(Guid ExperimentId, string Variant);
