using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Writes usage events straight into the ledger table (as settles would), with chosen keys, models, customers and times.</summary>
public static class UsageSeed
{
    public sealed record Event(Guid KeyId, Guid? UserId, Guid TeamId, string? Customer, string Model, long Prompt, long Completion, long Cost, DateTimeOffset At);

    public static async Task InsertAsync(TestDatabase database, Guid organization, params Event[] events)
    {
        foreach (Event e in events)
        {
            await database.ExecuteAsync(
                """
                INSERT INTO nemo.usage_events (request_id, organization_id, team_id, key_id, user_id, customer_id, model, endpoint,
                    prompt_tokens, completion_tokens, cost, status_code, latency_ms, epoch, occurred_at)
                VALUES (@id, @org, @team, @key, @user, @customer, @model, 'chat.completions', @prompt, @completion, @cost, 200, 42, 0, @at)
                """,
                ("id", Guid.NewGuid()), ("org", organization), ("team", e.TeamId), ("key", e.KeyId), ("user", (object?)e.UserId ?? DBNull.Value),
                ("customer", (object?)e.Customer ?? DBNull.Value), ("model", e.Model), ("prompt", e.Prompt), ("completion", e.Completion), ("cost", e.Cost), ("at", e.At));
        }
    }
}
