using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Billing;
using Nemo.Gateway.Admin.Budgets;
using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Experiments;
using Nemo.Gateway.Admin.Guardrails;
using Nemo.Gateway.Admin.Prompts;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Invitations;
using Nemo.Gateway.Admin.Keys;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Operator;
using Nemo.Gateway.Admin.Organizations;
using Nemo.Gateway.Admin.Signup;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Admin.Teams;
using Nemo.Gateway.Admin.RequestLog;
using Nemo.Gateway.Admin.Usage;
using Nemo.Gateway.Email;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Notifications;
using Nemo.Gateway.Payments;
using Nemo.Gateway.Retention;

namespace Nemo.Gateway.Admin;

/// <summary>Registers the admin API, its options (validated at start-up) and its background jobs.</summary>
internal static class AdminServices
{
    public static IServiceCollection AddNemoAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdminOptions, AdminOptionsValidator>(configuration, "Nemo:Admin");
        services.AddValidatedOptions<EmailOptions, EmailOptionsValidator>(configuration, "Nemo:Email");
        services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(configuration, "Nemo:Webhooks");
        services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>(configuration, "Nemo:Retention");
        services.AddValidatedOptions<SignupOptions, SignupOptionsValidator>(configuration, "Nemo:Signup");
        services.AddNemoKeyProtection(configuration);
        SignupRateLimit.AddSignupRateLimiting(services);
        services.AddSingleton<VerificationToken>();

        services.AddSingleton<WebhookTargets>();
        WebhookDeliveryService.AddClient(services);
        // .NET's validation for the typed request bodies (AdminBody<T>); the types' validation code is source-generated.
        services.AddValidation();
        services.AddSingleton<AdminDatabase>();
        services.AddSingleton<Propagation>();
        services.AddSingleton<ProviderKeys.ProviderKeyStore>();
        services.AddSingleton<OrganizationFactory>();
        services.AddSingleton<OperatorStore>();
        services.AddSingleton<OrganizationStore>();
        services.AddSingleton<ProviderPreferencesStore>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<TeamStore>();
        services.AddSingleton<InvitationStore>();
        services.AddSingleton<KeyStore>();
        services.AddSingleton<BudgetStore>();
        services.AddSingleton<CreditStore>();
        services.AddSingleton<BillingStore>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<RequestLogStore>();
        services.AddSingleton<GuardrailStore>();
        services.AddSingleton<PromptStore>();
        services.AddSingleton<ExperimentStore>();
        services.TryAddSingleton<IPaymentProvider, DevelopmentPaymentProvider>();

        bool smtp = !string.IsNullOrWhiteSpace(configuration["Nemo:Email:SmtpHost"]);
        if (smtp)
            services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        else
            services.TryAddSingleton<IEmailSender, LogEmailSender>();

        services.AddBackgroundJob<InvitationExpiryService>();
        services.AddBackgroundJob<EmailOutboxService>();
        services.AddBackgroundJob<WebhookDeliveryService>();
        services.AddBackgroundJob<RetentionService>();
        return services;
    }

    private static void AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }

    /// <summary>A hosted job that tests (and operators' tools) can also run once by resolving it.</summary>
    private static void AddBackgroundJob<TJob>(this IServiceCollection services) where TJob : class, Microsoft.Extensions.Hosting.IHostedService
    {
        services.AddSingleton<TJob>();
        services.AddHostedService(sp => sp.GetRequiredService<TJob>());
    }
}
