using System.Text;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Keyset pagination for lists that grow (activity, audit, organizations): <c>?limit=</c> (default 50)
/// and <c>?after=</c>, an opaque cursor from the previous page's <c>next_cursor</c>. A cursor is the
/// last row's sort key (a number and a text), so pages stay stable while rows are being appended.
/// Stores fetch <see cref="Fetch"/> rows (one more than the page) to learn whether more exist.
/// </summary>
internal readonly record struct Paging(int Limit, long? AfterNumber, string? AfterText)
{
    public const int DefaultLimit = 50;

    public int Fetch => Limit + 1;

    public DateTimeOffset? AfterTime => AfterNumber is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public static bool TryRead(HttpRequest request, int maxLimit, out Paging paging, out OpenAIError error)
    {
        paging = new Paging(DefaultLimit, null, null);
        error = default;
        string? limitText = request.Query["limit"];
        int limit = Math.Min(DefaultLimit, maxLimit);
        if (limitText is not null && (!int.TryParse(limitText, out limit) || limit < 1 || limit > maxLimit))
        {
            error = OpenAIError.BadRequest($"limit must be an integer from 1 to {maxLimit} (got '{limitText}').", "limit", "invalid_value");
            return false;
        }
        string? after = request.Query["after"];
        if (after is null)
        {
            paging = new Paging(limit, null, null);
            return true;
        }
        try
        {
            string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(after.Replace('-', '+').Replace('_', '/') + new string('=', (4 - after.Length % 4) % 4)));
            int bar = decoded.IndexOf('|');
            if (bar > 0 && long.TryParse(decoded.AsSpan(0, bar), out long number))
            {
                paging = new Paging(limit, number, decoded[(bar + 1)..]);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        error = OpenAIError.BadRequest("after must be a next_cursor value returned by the previous page of this list.", "after", "invalid_value");
        return false;
    }

    public static string Cursor(long number, string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{number}|{text}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The page's response from the fetched rows (at most <see cref="Fetch"/>), sorted by the store.</summary>
    public IResult Page<T>(List<T> rows, Func<T, (long Number, string Text)> key, Func<T, object>? shape = null)
    {
        bool more = rows.Count > Limit;
        if (more)
            rows.RemoveAt(rows.Count - 1);
        string? next = more ? Cursor(key(rows[^1]).Number, key(rows[^1]).Text) : null;
        IEnumerable<object> data = shape is null ? rows.Cast<object>() : rows.Select(shape);
        return AdminJson.Ok(new { @object = "list", data, has_more = more, next_cursor = next });
    }
}
