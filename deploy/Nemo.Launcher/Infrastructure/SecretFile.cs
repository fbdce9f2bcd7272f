using System.Security.Cryptography;

namespace Nemo.Launcher.Infrastructure;

/// <summary>Generated secrets persisted in owner-only (0600) files under <c>.nemo/state/</c>.</summary>
internal static class SecretFile
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A cryptographically random base62 string.</summary>
    public static string RandomBase62(int length) => RandomNumberGenerator.GetString(Base62, length);

    /// <summary>Reads the secret at <paramref name="path"/>, creating it with <paramref name="generate"/> the first time.</summary>
    public static string ReadOrCreate(string path, Func<string> generate, out bool created)
    {
        if (File.Exists(path))
        {
            created = false;
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length == 0)
            {
                throw new LauncherException($"{path} is empty; delete it to have a new secret generated");
            }

            File.SetUnixFileMode(path, OwnerOnly);
            return existing;
        }

        created = true;
        var secret = generate();
        WriteOwnerOnly(path, secret + "\n");
        return secret;
    }

    /// <summary>Writes a file that only its owner can read (the mode is set at creation, never wider).</summary>
    public static void WriteOwnerOnly(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OwnerOnly,
        };
        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(contents);
        }

        File.Move(temp, path, overwrite: true);
    }
}
