namespace Nemo.Gateway.Proxy;

/// <summary>The provider's usage figures, when <see cref="Status"/> is <see cref="UsageStatus.Reported"/>.</summary>
internal readonly record struct UsageReport(UsageStatus Status, long PromptTokens, long CompletionTokens)
{
    public static readonly UsageReport Absent = new(UsageStatus.Absent, 0, 0);

    public static readonly UsageReport Unreadable = new(UsageStatus.Unreadable, 0, 0);

    public bool IsReported => Status == UsageStatus.Reported;
}
