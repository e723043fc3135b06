# Help coverage: every exported cmdlet has real help in the built module (generated from docs/*.md
# by tools/New-Help.ps1), not the stub PowerShell makes up from the syntax.
BeforeDiscovery {
    $script:CmdletCases = @((Import-PowerShellDataFile $env:METAFLOWAWS_MODULE).CmdletsToExport | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $Common = [Collections.Generic.HashSet[string]]::new([string[]]([Management.Automation.Cmdlet]::CommonParameters + [Management.Automation.Cmdlet]::OptionalCommonParameters), [StringComparer]::OrdinalIgnoreCase)
    $Exported = (Get-Module MetaflowAws).ExportedCmdlets
    function Get-ParaText($Node) { (@($Node) | ForEach-Object { $_.Text }) -join "`n" }
}

Describe 'Help of <Name>' -ForEach $CmdletCases {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis of its own, not the syntax PowerShell makes up without help' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis.Trim() | Should -Not -BeLike '*<CommonParameters>*'
    }

    It 'has a description' {
        (Get-ParaText $help.description).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and a sentence about it' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.code | Should -Not -BeNullOrEmpty -Because "an example of $Name needs code ($($e.title))"
            (Get-ParaText $e.remarks).Trim() | Should -Not -BeNullOrEmpty -Because "an example of $Name needs a sentence ($($e.title))"
        }
    }

    It 'describes every parameter but the common ones' {
        $described = @{}
        foreach ($p in @($help.parameters.parameter)) { $described[$p.name] = (Get-ParaText $p.description).Trim() }
        $names = @($command.Parameters.Keys | Where-Object { -not $Common.Contains($_) })
        $names | Should -Not -BeNullOrEmpty
        foreach ($n in $names) {
            $described.ContainsKey($n) | Should -BeTrue -Because "-$n of $Name must be in its help"
            $described[$n] | Should -Not -BeNullOrEmpty -Because "-$n of $Name needs a description"
        }
        # ... and lists no parameter the cmdlet does not have, nor the common ones.
        foreach ($n in $described.Keys) { $names | Should -Contain $n }
    }

    It 'has the metadata of the code: one syntax line per parameter set, mandatory and positional parameters, pipeline input' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
        foreach ($p in @($help.parameters.parameter)) {
            $meta = $command.Parameters[$p.name]
            $sets = @($meta.ParameterSets.Values)
            $p.required | Should -Be ($(if (@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0) { 'true' } else { 'false' })) -Because "-$($p.name) of $Name"
            $byValue = @($sets | Where-Object ValueFromPipeline).Count -gt 0
            $byName = @($sets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
            if ($byValue) { $p.pipelineInput | Should -Match 'ByValue' -Because "-$($p.name) of $Name" }
            if ($byName) { $p.pipelineInput | Should -Match 'ByPropertyName' -Because "-$($p.name) of $Name" }
            if (-not ($byValue -or $byName)) { $p.pipelineInput | Should -Be 'False' -Because "-$($p.name) of $Name" }
        }
    }

    It 'has examples that parse and use only parameters the cmdlets have' {
        foreach ($e in @($help.examples.example | Where-Object { $_ })) {
            $tokens = $errors = $null
            $ast = [Management.Automation.Language.Parser]::ParseInput($e.code, [ref]$tokens, [ref]$errors)
            $errors | Should -BeNullOrEmpty -Because "the code of '$($e.title)' must parse"
            foreach ($call in $ast.FindAll({ param($n) $n -is [Management.Automation.Language.CommandAst] }, $true)) {
                $used = $call.GetCommandName()
                if (-not $used -or -not $Exported.ContainsKey($used)) { continue }
                $known = $Exported[$used].Parameters
                foreach ($param in $call.CommandElements | Where-Object { $_ -is [Management.Automation.Language.CommandParameterAst] }) {
                    $hit = @($known.Values | Where-Object { $_.Name -like "$($param.ParameterName)*" -or @($_.Aliases) -contains $param.ParameterName })
                    $hit | Should -Not -BeNullOrEmpty -Because "'$($e.title)' calls $used -$($param.ParameterName)"
                }
            }
        }
    }

    It 'shows the examples with -Examples' {
        $text = Get-Help $Name -Examples | Out-String -Width 200
        foreach ($e in @($help.examples.example | Where-Object { $_ })) { $text | Should -BeLike "*$(($e.code -split "`n")[0].Trim())*" }
    }
}

Describe 'Help file' {
    It 'is the MAML file PowerShell looks for next to the cmdlet assembly, and is found in any UI culture' {
        $module = Get-Module MetaflowAws
        Join-Path $module.ModuleBase 'en-US/MetaflowAws.Cmdlets.dll-Help.xml' | Should -Exist
        (Get-Command New-MetaflowStack).HelpFile | Should -Be 'MetaflowAws.Cmdlets.dll-Help.xml'
        $r = Invoke-ChildPwsh @"
[Globalization.CultureInfo]::CurrentUICulture = 'de-DE'
Import-Module '$($env:METAFLOWAWS_MODULE)'
'synopsis: ' + (Get-Help Get-MetaflowStack).Synopsis
"@
        $r.Output | Should -Match 'synopsis: Gets one Metaflow stack'
    }

    It 'has a page in docs/ for every exported cmdlet and none for a cmdlet that does not exist' {
        $pages = @(Get-ChildItem (Join-Path $script:RepoRoot 'docs') -Filter '*-*.md' | ForEach-Object BaseName | Sort-Object)
        $pages | Should -Be @($Exported.Keys | Sort-Object)
    }
}
