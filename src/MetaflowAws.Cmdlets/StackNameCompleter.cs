using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets;

/// <summary>Completes -StackName from the account's Metaflow stacks, cached briefly per region and profile.</summary>
public sealed class StackNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    // A failed lookup (no network, endpoint down, no permission) is remembered for a moment, so pressing Tab
    // again does not stall the prompt again; and a lookup gets a short budget, the prompt is waiting on it.
    private static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);
    private static readonly ConcurrentDictionary<string, (DateTime At, string[] Names, bool Failed)> Cache = new();

    internal static void Remember(AwsSession session, IEnumerable<string> names)
        => Cache[Key(session)] = (DateTime.UtcNow, names.ToArray(), false);

    /// <summary>After a stack is created or deleted: the next completion asks AWS again instead of offering a stale list.</summary>
    internal static void Forget(AwsSession session) => Cache.TryRemove(Key(session), out _);

    private static string Key(AwsSession s) => $"{s.ProfileName}|{s.Region}|{s.EndpointFor("CloudFormation")}";

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string[] names;
        try
        {
            var session = AwsSession.Resolve(Completion.SessionOptions(fakeBoundParameters));
            var key = Key(session);
            if (Cache.TryGetValue(key, out var hit) && DateTime.UtcNow - hit.At < (hit.Failed ? FailureLifetime : Lifetime)) names = hit.Names;
            else
            {
                try
                {
                    using var cts = new CancellationTokenSource(Patience);
                    names = StackService.Create(session).ListAsync(false, cts.Token).GetAwaiter().GetResult().Select(s => s.StackName).ToArray();
                    Cache[key] = (DateTime.UtcNow, names, false);
                }
                catch (Exception)
                {
                    Cache[key] = (DateTime.UtcNow, [], true);
                    throw;
                }
            }
        }
        catch (Exception)
        {
            return []; // completion never throws at the prompt
        }
        return Completion.Complete(names, wordToComplete);
    }
}
