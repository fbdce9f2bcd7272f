using Nemo.Grains.Money;

namespace Nemo.Tests.Grains;

/// <summary>
/// Cost per token kind: exact integers, rounded up once per request, and never above what the request was
/// reserved at (the highest prompt and output rates, every token at them) however its tokens split.
/// </summary>
public sealed class ModelPriceTests
{
    // USD per million: input 1.00, cache read 0.25, cache write 1.25, output 4.00, reasoning 8.00.
    private static readonly ModelPrice Mixed = new(1_000_000_000, 4_000_000_000, 250_000_000, 1_250_000_000, 8_000_000_000);

    [Fact]
    public void Cost_PricesEachKindOfToken_Exactly()
    {
        // 300 uncached × 1,000 + 600 read × 250 + 100 written × 1,250 + 300 plain output × 4,000 + 200 reasoning × 8,000 nanos.
        var usage = new TokenUsage(PromptTokens: 1_000, CompletionTokens: 500, CachedTokens: 600, CacheWriteTokens: 100, ReasoningTokens: 200);

        Assert.Equal(300_000 + 150_000 + 125_000 + 1_200_000 + 1_600_000, Mixed.Cost(usage));
        Assert.Equal(1_000 * 1_000 + 500 * 4_000, Mixed.Cost(usage.WithoutDetails())); // no details: plain input and output prices
    }

    [Fact]
    public void Cost_WithoutCacheOrReasoningPrices_TheyCostInputAndOutput()
    {
        var plain = new ModelPrice(150_000_000, 600_000_000);

        Assert.Equal(new ModelPrice(150_000_000, 600_000_000, 150_000_000, 150_000_000, 600_000_000), plain);
        Assert.Equal(plain.Cost(10, 20), plain.Cost(new TokenUsage(10, 20, CachedTokens: 4, CacheWriteTokens: 3, ReasoningTokens: 15)));
    }

    [Fact]
    public void Cost_IsRoundedUpOncePerRequest_NotPerKind()
    {
        // 1 nano per million tokens of every kind: one token of each kind is 5 millionths of a nano, billed as 1 nano (not 5).
        var tiny = new ModelPrice(1, 1, 1, 1, 1);
        Assert.Equal(1, tiny.Cost(new TokenUsage(3, 2, CachedTokens: 1, CacheWriteTokens: 1, ReasoningTokens: 1)));
        // 999,999 millionths of a nano plus one: exactly 1 nano; plus two: just above it, so 2.
        var rate = new ModelPrice(999_999, 1, 1, 1, 1);
        Assert.Equal(1, rate.Cost(new TokenUsage(1, 1, ReasoningTokens: 1)));
        Assert.Equal(1, rate.Cost(new TokenUsage(2, 0, CachedTokens: 1)));
        Assert.Equal(2, rate.Cost(new TokenUsage(2, 1, CachedTokens: 1, ReasoningTokens: 1)));
        Assert.Equal(0, Mixed.Cost(new TokenUsage(0, 0)));
    }

    [Fact]
    public void Cost_SaturatesInsteadOfOverflowing()
    {
        var dear = new ModelPrice(long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue);
        Assert.Equal(long.MaxValue, dear.Cost(new TokenUsage(long.MaxValue, long.MaxValue, long.MaxValue / 2, long.MaxValue / 2, long.MaxValue)));
    }

    [Theory]
    [InlineData(-1, 0, 0, 0, 0)]
    [InlineData(5, 0, 6, 0, 0)]
    [InlineData(5, 0, 3, 3, 0)]
    [InlineData(5, 4, 0, 0, 5)]
    [InlineData(5, 4, 0, -1, 0)]
    [InlineData(long.MaxValue, 0, long.MaxValue, long.MaxValue, 0)]
    public void Cost_RefusesInconsistentUsage(long prompt, long completion, long cached, long cacheWrite, long reasoning)
    {
        var usage = new TokenUsage(prompt, completion, cached, cacheWrite, reasoning);
        Assert.False(usage.IsConsistent);
        ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => Mixed.Cost(usage));
        Assert.Contains($"PromptTokens = {prompt}", refused.Message); // the usage is printed (and printing it terminates)
    }

    [Fact]
    public void CappedAt_KeepsTheDetailsWithinTheCappedTotals()
    {
        var usage = new TokenUsage(100, 50, CachedTokens: 70, CacheWriteTokens: 30, ReasoningTokens: 45);

        TokenUsage capped = usage.CappedAt(80, 20);

        Assert.Equal(new TokenUsage(80, 20, CachedTokens: 70, CacheWriteTokens: 10, ReasoningTokens: 20), capped);
        Assert.True(capped.IsConsistent);
    }

    public static TheoryData<ModelPrice> Prices => new()
    {
        Mixed,
        new ModelPrice(3_000_000_000, 15_000_000_000, 300_000_000, 3_750_000_000, 15_000_000_000), // cache writes dearer than input
        new ModelPrice(7, 13, 3, 11, 17),                                                           // odd nanos: rounding matters
        new ModelPrice(0, 0, 5, 0, 0),                                                              // only cache reads cost anything
        new ModelPrice(999_999_999, 1, 1, 1, 999_999_999),
    };

    [Theory]
    [MemberData(nameof(Prices))]
    public void Reservation_IsAtLeastTheSettle_ForEveryTokenMix(ModelPrice price)
    {
        var reserved = new ModelPrice(price.MaxPromptNanosPerMillion, price.MaxOutputNanosPerMillion);
        const long promptUpper = 12, outputUpper = 9;
        long reservation = reserved.Cost(promptUpper, outputUpper);
        int mixes = 0;
        for (long prompt = 0; prompt <= promptUpper; prompt++)
            for (long cached = 0; cached <= prompt; cached++)
                for (long cacheWrite = 0; cacheWrite <= prompt - cached; cacheWrite++)
                    for (long completion = 0; completion <= outputUpper; completion++)
                        for (long reasoning = 0; reasoning <= completion; reasoning++)
                        {
                            long cost = price.Cost(new TokenUsage(prompt, completion, cached, cacheWrite, reasoning));
                            Assert.True(cost <= reservation, $"{prompt}/{cached}/{cacheWrite} + {completion}/{reasoning}: {cost} > {reservation}");
                            mixes++;
                        }
        Assert.Equal(455 * 55, mixes); // every split of up to 12 prompt and 9 output tokens was checked
        // And at the bounds, the dearest mix costs exactly the reservation.
        bool readsDearest = price.CachedInputNanosPerMillion == price.MaxPromptNanosPerMillion;
        bool writesDearest = !readsDearest && price.CacheWriteNanosPerMillion == price.MaxPromptNanosPerMillion;
        bool reasoningDearest = price.ReasoningNanosPerMillion == price.MaxOutputNanosPerMillion;
        var dearest = new TokenUsage(promptUpper, outputUpper, readsDearest ? promptUpper : 0, writesDearest ? promptUpper : 0, reasoningDearest ? outputUpper : 0);
        Assert.Equal(reservation, price.Cost(dearest));
    }
}
