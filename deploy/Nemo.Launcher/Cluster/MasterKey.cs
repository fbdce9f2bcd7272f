using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>The operator master key (<c>nemo-mk-</c> + 40 base62 chars), generated once into <c>.nemo/state/master_key</c>.</summary>
internal static class MasterKey
{
    private const string Prefix = "nemo-mk-";

    public static string ReadOrCreate(RepoLayout layout) =>
        SecretFile.ReadOrCreate(layout.MasterKeyFile, () => Prefix + SecretFile.RandomBase62(40), out _);
}
