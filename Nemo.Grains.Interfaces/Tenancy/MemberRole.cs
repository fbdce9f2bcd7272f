namespace Nemo.Grains.Tenancy;

/// <summary>The four roles of docs/API.md. Viewers can read but their keys cannot send LLM traffic.</summary>
public enum MemberRole
{
    Viewer = 0,
    Member = 1,
    Admin = 2,
    Owner = 3,
}
