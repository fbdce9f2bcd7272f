using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Gateway.Dashboard.Forms;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Components;

/// <summary>
/// A page of one organization (<c>/o/{Org}/…</c>). The role policy on the page has already run; here the
/// organization in the URL must be the signed-in member's own, else the page is a 404 (another
/// organization's URL shows nothing, not even that it exists). Data comes from the admin stores with the
/// same caller the API would build, under row-level security.
/// </summary>
public abstract class OrgPage : ComponentBase
{
    [Parameter]
    public Guid Org { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    internal AdminCaller Caller { get; private set; } = default!;

    internal bool Found { get; private set; }

    internal Flash? Message { get; private set; }

    internal string OrganizationName => ConsoleAuth.OrganizationName(HttpContext);

    internal bool AtLeast(MemberRole role) => Caller.Role >= role;

    internal string Url(string page) => page.Length == 0 ? $"/o/{Org}" : $"/o/{Org}/{page}";

    /// <summary>
    /// Loads the page's data before the first render: ComponentBase would otherwise render once at the first
    /// await of OnInitializedAsync, with the data still missing.
    /// </summary>
    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        Caller = AdminCaller.Of(HttpContext);
        Found = Caller.OrganizationId == Org;
        if (!Found)
            Navigation.NotFound();
        else
        {
            Message = Flash.Take(HttpContext);
            await LoadAsync(HttpContext.RequestAborted);
        }
        await base.SetParametersAsync(ParameterView.Empty);
    }

    internal abstract Task LoadAsync(CancellationToken cancellationToken);
}
