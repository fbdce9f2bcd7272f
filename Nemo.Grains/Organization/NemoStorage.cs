namespace Nemo.Grains.Organization;

/// <summary>Names of the Orleans storage providers the grains use.</summary>
public static class NemoStorage
{
    /// <summary>Orleans ADO.NET grain storage on Nemo's PostgreSQL.</summary>
    public const string Grains = "nemo";
}
