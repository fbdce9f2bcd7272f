using System.Text.Json;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Demo;

/// <summary>
/// Makes sure a demo organization with credits and a working key exists: reuses
/// <c>.nemo/state/demo.json</c> while its key still works, otherwise creates "Demo"
/// (or "Demo-n" when that owner email is taken) with $100 of credits.
/// </summary>
internal sealed class DemoOrganizationProvisioner(RepoLayout layout)
{
    private const int MaxAttempts = 50;
    private const decimal DemoCredits = 100m;

    public async Task<DemoOrganization> EnsureAsync(AdminApi api, CancellationToken cancellationToken)
    {
        var saved = TryLoad();
        if (saved is { DemoOrgId.Length: > 0, DemoKey.Length: > 0 } && await api.ListModelsAsync(saved.DemoKey, cancellationToken) is not null)
        {
            Console.Error.WriteLine($"nemo: reusing demo organization {saved.DemoOrgId}");
            return await WithConsoleSignInAsync(api, saved, saved.DemoOwnerEmail ?? "demo@nemo.local", cancellationToken);
        }

        for (var n = 1; n <= MaxAttempts; n++)
        {
            var name = n == 1 ? "Demo" : $"Demo-{n}";
            var email = n == 1 ? "demo@nemo.local" : $"demo+{n}@nemo.local";
            var created = await api.CreateOrganizationAsync(name, email, cancellationToken);
            if (created is null)
            {
                continue;
            }

            await api.GrantCreditsAsync(created.OrganizationId, DemoCredits, "demo credits", cancellationToken);
            var demo = new DemoOrganization(created.OrganizationId, created.ApiKey);
            Console.Error.WriteLine($"nemo: created demo organization '{name}' ({demo.DemoOrgId}) with ${DemoCredits} of credits");
            return await WithConsoleSignInAsync(api, demo, email, cancellationToken);
        }

        throw new LauncherException($"could not create a demo organization: demo@nemo.local … demo+{MaxAttempts}@nemo.local all exist already");
    }

    /// <summary>
    /// Gives the demo owner a console password (kept in the owner-only state file, set again at every start
    /// so the printed one always works) and saves the state.
    /// </summary>
    private async Task<DemoOrganization> WithConsoleSignInAsync(AdminApi api, DemoOrganization demo, string email, CancellationToken cancellationToken)
    {
        var password = demo.DemoOwnerPassword ?? "demo-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(10));
        demo = await api.SetAccountPasswordAsync(email, password, cancellationToken)
            ? demo with { DemoOwnerEmail = email, DemoOwnerPassword = password }
            : demo with { DemoOwnerEmail = null, DemoOwnerPassword = null };
        SecretFile.WriteOwnerOnly(layout.DemoStateFile, JsonSerializer.Serialize(demo, LauncherJson.Options) + "\n");
        return demo;
    }

    private DemoOrganization? TryLoad()
    {
        try
        {
            return File.Exists(layout.DemoStateFile)
                ? JsonSerializer.Deserialize<DemoOrganization>(File.ReadAllText(layout.DemoStateFile), LauncherJson.Options)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
