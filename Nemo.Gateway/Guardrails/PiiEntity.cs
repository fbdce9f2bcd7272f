namespace Nemo.Gateway.Guardrails;

/// <summary>The personal data and secrets a <c>pii</c> guardrail can look for (<c>config.entities</c>).</summary>
[Flags]
internal enum PiiEntity
{
    None = 0,
    Email = 1,
    Phone = 2,
    Card = 4,
    Iban = 8,
    Ssn = 16,
    Ip = 32,
    Secret = 64,
    All = Email | Phone | Card | Iban | Ssn | Ip | Secret,
}
