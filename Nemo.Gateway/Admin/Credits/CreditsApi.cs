using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Credits;

/// <summary><c>GET /v1/credits</c> (all roles, live figures from the organization grain) and <c>POST /v1/credits/purchase</c> (owner).</summary>
internal static class CreditsApi
{
    public static IEndpointRouteBuilder MapNemoCreditsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/credits", GetAsync).Members(MemberRole.Viewer, "read credits");
        app.MapPost("/v1/credits/purchase", PurchaseAsync).Members(MemberRole.Owner, "purchase credits");
        return app;
    }

    public static IResult Result(CreditsView credits) => AdminJson.Ok(Shape(credits));

    public static object Shape(CreditsView credits) => new
    {
        balance = AdminJson.Money(credits.Balance),
        reserved = AdminJson.Money(credits.Reserved),
        spent = AdminJson.Money(credits.Spent),
        purchased = AdminJson.Money(credits.Purchased),
        currency = "USD",
    };

    private static async Task<IResult> GetAsync(HttpContext context, Propagation propagation) =>
        Result(await propagation.CreditsAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> PurchaseAsync(HttpContext context, CreditStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string? idempotencyKey = context.Request.Headers["Idempotency-Key"];
        if (idempotencyKey is { Length: 0 or > 200 })
            return OpenAIError.BadRequest($"The Idempotency-Key header must be 1 to 200 characters (got {idempotencyKey.Length}).", "Idempotency-Key", "invalid_value").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "amount") || !input.RequiredUsd("amount", allowZero: false, out long amount, out error))
                return error.ToResult();
            PurchaseOutcome outcome = await store.PurchaseAsync(caller, amount, idempotencyKey, context.RequestAborted);
            if (outcome.Purchase is not { } purchase)
                return new OpenAIError(StatusCodes.Status402PaymentRequired, "invalid_request_error", "payment_declined",
                    $"The payment was declined: {outcome.DeclineReason}. Nothing was charged or credited.").ToResult();
            await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
            CreditsView credits = await propagation.CreditsAsync(caller.OrganizationId, context.RequestAborted);
            return AdminJson.Ok(new
            {
                purchase = new
                {
                    id = purchase.Id, amount = AdminJson.Money(purchase.AmountNanos), fee = AdminJson.Money(purchase.FeeNanos),
                    total_charged = AdminJson.Money(purchase.AmountNanos + purchase.FeeNanos), fee_percent = Fees.Percent(purchase.FeeBasisPoints),
                    plan = purchase.Plan, payment_reference = purchase.PaymentReference, created_at = purchase.CreatedAt, replayed = purchase.Replayed,
                },
                credits = Shape(credits),
            }, purchase.Replayed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
        }
    }
}
