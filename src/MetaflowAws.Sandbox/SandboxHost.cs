using MetaflowAws.Sandbox.Control;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox;

/// <summary>
/// The sandbox's HTTP front: the control API under /_sandbox (<see cref="ControlApi"/>), every other request to the
/// AWS router (<see cref="AwsRouter"/>), both over one <see cref="SandboxState"/>.
/// </summary>
public static class SandboxHost
{
    public static WebApplication Build(SandboxOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var state = new SandboxState(options);
        var answers = new AwsAnswers(state.Log);
        var router = new AwsRouter(state, answers, new FaultResponder(state.Faults, state.Log, answers));
        var control = new ControlApi(state);
        app.Run(ctx => ctx.Request.Path.StartsWithSegments(ControlApi.Prefix) ? control.HandleAsync(ctx) : router.HandleAsync(ctx));
        return app;
    }
}
