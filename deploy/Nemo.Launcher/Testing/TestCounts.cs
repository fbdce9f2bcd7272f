namespace Nemo.Launcher.Testing;

/// <summary>Totals over every TRX file of a run.</summary>
internal sealed record TestCounts(int Total, int Passed, int Failed, int Skipped)
{
    public static TestCounts None { get; } = new(0, 0, 0, 0);

    public TestCounts Add(TestCounts other) =>
        new(Total + other.Total, Passed + other.Passed, Failed + other.Failed, Skipped + other.Skipped);

    /// <summary>The closing line CI reads: <c>tests: N passed, N failed[, N skipped]</c>.</summary>
    public string SummaryLine() =>
        $"tests: {Passed} passed, {Failed} failed" + (Skipped > 0 ? $", {Skipped} skipped" : "");
}
