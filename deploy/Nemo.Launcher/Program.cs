using System.Runtime.Versioning;
using Nemo.Launcher.Commands;

// The launcher drives Linux tools (runuser, setsid, pg_ctl, kill(2)); it is not meant for Windows.
[assembly: SupportedOSPlatform("linux")]

return await LauncherCli.RunAsync(args);
