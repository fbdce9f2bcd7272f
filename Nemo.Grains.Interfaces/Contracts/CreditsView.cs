namespace Nemo.Grains.Contracts;

/// <summary>An organization's credits in nanos; Balance = Purchased − Spent − Reserved.</summary>
[GenerateSerializer, Immutable, Alias("nemo.credits-view")]
public readonly record struct CreditsView(long Purchased, long Spent, long Reserved)
{
    public long Balance => Purchased - Spent - Reserved;
}
