@{
    RootModule           = 'MetaflowAws.Cmdlets.dll'
    ModuleVersion        = '{{ModuleVersion}}'
    CompatiblePSEditions = @('Core')
    GUID                 = '5d0c1f7e-8f0b-4a53-9a3e-6c1d2b7a9e41'
    Author               = 'MetaflowAws'
    CompanyName          = 'MetaflowAws'
    Copyright            = '(c) MetaflowAws. All rights reserved.'
    Description          = 'Deploys Metaflow on AWS with CloudFormation and configures Metaflow from what it deployed.'
    PowerShellVersion    = '7.6'
    # Views are loaded when a cmdlet first runs (see Formats.cs), keeping Import-Module cheap.
    FormatsToProcess     = @()
    CmdletsToExport      = @({{CmdletsToExport}})
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Metaflow', 'AWS', 'CloudFormation', 'MLOps', 'Linux', 'MacOS', 'Windows', 'PSEdition_Core')
            ReleaseNotes = '{{ReleaseNotes}}'
        }
    }
}
