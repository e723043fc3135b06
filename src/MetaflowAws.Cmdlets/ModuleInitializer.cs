using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Loads the engine and its AWSSDK assemblies from Dependencies/ into a load context of their
/// own, so another AWSSDK.Core in the session (AWS.Tools, say) never clashes with ours. Only the
/// engine is answered from the default context; its dependencies resolve inside ours.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly DependencyLoadContext Context = new(DependencyDirectory);

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
        => name.Name == "MetaflowAws.Engine" ? Context.LoadFromAssemblyName(name) : null;

    private sealed class DependencyLoadContext(string directory) : AssemblyLoadContext("MetaflowAws.Dependencies")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
