using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>
/// The confirm step between an engine plan and its execution, shared by New, Update and Publish: the plan's
/// warnings shown, ShouldProcess on the plan's own text, then the engine carries it out. Under -WhatIf nothing past
/// the plan is sent.
/// </summary>
internal static class Deploying
{
    /// <summary>Confirms and carries out a create; null when declined.</summary>
    public static MetaflowStack? Create(MetaflowCmdlet cmdlet, AwsSession session, StackCreation creation, CreationPlan plan, Follow follow)
    {
        foreach (var warning in plan.Warnings) cmdlet.WriteWarning(warning);
        foreach (var note in plan.Notes) cmdlet.WriteVerbose(note);
        var name = plan.Input.StackName;
        if (plan.ReplaceAction is { } replace && !cmdlet.ShouldProcess(name, replace)) return null;
        if (!cmdlet.ShouldProcess(name, plan.Action)) return null;
        try
        {
            return cmdlet.Run(ct => creation.ExecuteAsync(plan, follow, cmdlet.Log, ct));
        }
        finally
        {
            StackNameCompleter.Forget(session);
        }
    }

    /// <summary>Shows the predicted changes, confirms and carries out an update; null when declined.</summary>
    public static UpdateOutcome? Update(MetaflowCmdlet cmdlet, StackUpdate update, UpdateOperationPlan plan, Follow follow)
    {
        foreach (var change in plan.Preview.Changes) cmdlet.WriteVerbose(change.ToString());
        foreach (var note in plan.Notes) cmdlet.WriteWarning(note);
        foreach (var warning in plan.Warnings) cmdlet.WriteWarning(warning);
        try
        {
            plan.EnsureAllowed(); // refused before anything is sent
        }
        catch (MetaflowException refusal) when (IsWhatIf(cmdlet))
        {
            cmdlet.WriteWarning(refusal.Message); // -WhatIf shows the plan and that it would be refused
        }
        if (!cmdlet.ShouldProcess(plan.Current.StackName, plan.Action)) return null;
        if (plan.AtRisk.Count > 0 && !ConfirmHighImpact(cmdlet, plan.RiskQuestion, $"Update stack {plan.Current.StackName}")) return null;
        try
        {
            return cmdlet.Run(ct => update.ExecuteAsync(plan, follow, cmdlet.Log, ct));
        }
        finally
        {
            if (!plan.Update.KeepsTemplate) TemplateValueCompleter.Forget(plan.Current.StackName); // its template may have changed
        }
    }

    private static bool IsWhatIf(MetaflowCmdlet cmdlet)
        => cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? w is SwitchParameter { IsPresent: true }
            : cmdlet.GetVariableValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };

    /// <summary>
    /// A confirmation as ConfirmImpact High gives, for one risky operation of a cmdlet whose own impact is lower: asked
    /// unless -Confirm:$false or $ConfirmPreference = 'None' (the cmdlet's ShouldProcess has already honoured -WhatIf).
    /// </summary>
    private static bool ConfirmHighImpact(MetaflowCmdlet cmdlet, string query, string caption)
    {
        if (cmdlet.MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: false }) return true;
        if (cmdlet.GetVariableValue("ConfirmPreference") is ConfirmImpact.None) return true;
        return cmdlet.ShouldContinue(query, caption);
    }
}
