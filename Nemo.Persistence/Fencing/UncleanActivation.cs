using System.Globalization;

namespace Nemo.Persistence.Fencing;

/// <summary>The NOTIFY payload announcing an unclean takeover: "organization id:epoch".</summary>
public static class UncleanActivation
{
    public static string Format(Guid organizationId, long epoch) => $"{organizationId:D}:{epoch.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string payload, out Guid organizationId, out long epoch)
    {
        epoch = 0;
        int colon = payload.IndexOf(':');
        return Guid.TryParse(colon < 0 ? payload : payload[..colon], out organizationId)
            && colon > 0 && long.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out epoch);
    }
}
