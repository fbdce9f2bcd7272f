using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Dashboard.Forms;

namespace Nemo.Gateway.Dashboard.Components;

/// <summary>A sign-in page (no session needed): it shows the message the last form action left.</summary>
public abstract class AuthPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    internal Flash? Message { get; private set; }

    protected override void OnInitialized() => Message = Flash.Take(HttpContext);
}
