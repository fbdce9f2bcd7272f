using Nemo.Gateway.Experiments;

namespace Nemo.Tests.Experiments;

/// <summary>The variant split: by weight within ±3 % over 10,000 customers, the same variant for a customer every time.</summary>
public sealed class ExperimentAssignmentTests
{
    private static ExperimentEntry Experiment(params int[] weights) =>
        new(Guid.NewGuid(), "m", null, [.. weights.Select((w, i) => new ExperimentVariant($"v{i}", w, null, null))]);

    [Theory]
    [InlineData(50, 50)]
    [InlineData(50, 30, 20)]
    [InlineData(90, 10)]
    [InlineData(1, 1, 1, 1)]
    [InlineData(70, 0, 30)]
    public void TenThousandCustomers_SplitWithinThreePercentOfTheWeights(params int[] weights)
    {
        ExperimentEntry experiment = Experiment(weights);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 10_000; i++)
        {
            string variant = experiment.Assign($"customer-{i}").Name;
            counts[variant] = counts.GetValueOrDefault(variant) + 1;
        }
        double total = weights.Sum();
        for (int v = 0; v < weights.Length; v++)
        {
            double expected = weights[v] / total, actual = counts.GetValueOrDefault($"v{v}") / 10_000.0;
            Assert.True(Math.Abs(actual - expected) <= 0.03, $"v{v}: {actual:P2} of requests for a weight of {expected:P2}");
        }
        Assert.Equal(0, weights.Contains(0) ? counts.GetValueOrDefault("v1") : 0);
    }

    [Fact]
    public void ACustomer_AlwaysGetsTheSameVariant_AndExperimentsSplitIndependently()
    {
        ExperimentEntry first = Experiment(50, 50), second = Experiment(50, 50);
        int same = 0;
        for (int i = 0; i < 1_000; i++)
        {
            string customer = $"c{i}-é-{new string('x', i % 700)}"; // long and non-ASCII ids too
            string variant = first.Assign(customer).Name;
            Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(variant, first.Assign(customer).Name));
            if (second.Assign(customer).Name == variant)
                same++;
        }
        Assert.InRange(same, 400, 600); // about half: another experiment's split is not the same split
    }
}
