using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>With Nemo:Email:SmtpHost set, the invitation email goes out over SMTP from the outbox (here to a loopback SMTP server).</summary>
public sealed class EmailTests(EmailTests.WithSmtp fixture) : IClassFixture<EmailTests.WithSmtp>
{
    /// <summary>A host whose email goes to a fake SMTP server on loopback, checked every 100 ms.</summary>
    public sealed class WithSmtp : NemoHostFixture, IAsyncDisposable
    {
        public FakeSmtpServer Smtp { get; } = new();

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Email:SmtpHost"] = "127.0.0.1",
            ["Nemo:Email:SmtpPort"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Nemo:Email:EnableSsl"] = "false",
            ["Nemo:Email:From"] = "Nemo <invites@nemo.test>",
            ["Nemo:Email:PollInterval"] = "00:00:00.100",
            ["Nemo:Admin:PublicUrl"] = "https://nemo.example.com",
        };

        async ValueTask IAsyncDisposable.DisposeAsync()
        {
            await DisposeAsync();
            await Smtp.DisposeAsync();
        }
    }

    [Fact]
    public async Task Invitation_IsSentBySmtp_WithTheTokenAndAcceptLink_ThenItsBodyIsCleared()
    {
        AdminWorld world = await AdminWorld.CreateAsync(fixture.Host.Client, fixture.Database);
        string email = $"smtp-{Guid.NewGuid():N}@example.com";
        (int status, JsonElement invitation, string text) = await fixture.Host.Client.SendAsync(HttpMethod.Post, "/v1/invitations", world.Owner.Key, new { email });
        Assert.True(status == 201, text);
        string token = invitation.GetProperty("token").GetString()!;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        FakeSmtpServer.Message message;
        do
            message = await fixture.Smtp.Messages.Reader.ReadAsync(timeout.Token);
        while (!message.To.Contains($"<{email}>"));

        Assert.Equal("<invites@nemo.test>", message.From);
        Assert.Contains("Content-Transfer-Encoding: base64", message.Data);
        string body = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(
            string.Concat(message.Data[(message.Data.IndexOf("\n\n", StringComparison.Ordinal) + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))));
        Assert.Contains(token, body);
        Assert.Contains("https://nemo.example.com/invitations/accept?token=", body);
        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT sent_at IS NOT NULL AND body IS NULL FROM nemo.email_outbox WHERE to_address = @to", ("to", email)), "the outbox row to be marked sent");
    }
}
