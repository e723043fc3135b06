#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the module's MAML help (en-US/MetaflowAws.Cmdlets.dll-Help.xml) from docs/<Verb-Noun>.md,
    the cmdlets' XML doc comments and the compiled cmdlets' parameter metadata.
.DESCRIPTION
    Run by build.ps1's Package task in a child 'pwsh -NoProfile' once the module is laid out in
    out/MetaflowAws/<version>/. It imports that module, so what the help says about parameters
    (type, mandatory, position, pipeline input, sets, aliases, accepted values, output types)
    always comes from the code that ships. Prose comes from two places:

      docs/<Verb-Noun>.md            synopsis, description, examples, notes, links, and optional
                                     per-parameter overrides (format: docs/README.md)
      MetaflowAws.Cmdlets.xml        the "Gets or sets ..." doc comment of each parameter property

    Every problem found (a cmdlet without a page, a page without a synopsis, description or two
    examples, a parameter described nowhere, a page naming a parameter the cmdlet does not have)
    is listed, and the script exits with code 1 without writing the help file.
.EXAMPLE
    pwsh -NoProfile -File tools/New-Help.ps1 -ModuleManifest out/MetaflowAws/0.1.0/MetaflowAws.psd1 -DocsPath docs
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $DocsPath,
    # Defaults to <module folder>/en-US.
    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModuleManifest = (Resolve-Path $ModuleManifest).ProviderPath
$DocsPath = (Resolve-Path $DocsPath).ProviderPath
$moduleDir = Split-Path $ModuleManifest
if (-not $OutputPath) { $OutputPath = Join-Path $moduleDir 'en-US' }

$script:Problems = [Collections.Generic.List[string]]::new()
function Add-Problem([string] $Message) { $script:Problems.Add($Message) }

#region Markdown

# Inline markup the console cannot show: `code` -> code (kept verbatim), **b** / *i* -> text, [text](url) -> text (url).
function ConvertFrom-InlineMarkdown([string] $Text) {
    $parts = [regex]::Split($Text, '(`[^`]+`)')
    $out = foreach ($part in $parts) {
        if ($part -match '^`([^`]+)`$') { $Matches[1]; continue }
        $part = [regex]::Replace($part, '\[([^\]]+)\]\(([^)\s]+)\)', '$1 ($2)')
        $part = [regex]::Replace($part, '\*\*([^*]+)\*\*', '$1')
        [regex]::Replace($part, '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1')
    }
    -join $out
}

# Blocks of a section body: paragraphs (lines joined), list items (one block each, "- " kept),
# fenced code (lines kept, tagged with its language).
function Split-MarkdownBlock([string[]] $Lines) {
    $blocks = [Collections.Generic.List[object]]::new()
    $para = [Collections.Generic.List[string]]::new()
    $fence = $null
    $code = $null
    $flush = {
        if ($para.Count) { $blocks.Add([pscustomobject]@{ Kind = 'Para'; Text = ConvertFrom-InlineMarkdown ($para -join ' ') }); $para.Clear() }
    }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $fence; Text = ($code -join "`n") })
                $fence = $null
            } else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*```\s*([\w-]*)\s*$') {
            & $flush
            $fence = $Matches[1].ToLowerInvariant()
            $code = [Collections.Generic.List[string]]::new()
        } elseif ($line -match '^\s*$') {
            & $flush
        } elseif ($line -match '^\s*[-*]\s+(.*)$') {
            & $flush
            $para.Add('- ' + $Matches[1])
        } elseif ($para.Count -and $para[0].StartsWith('- ') -and $line -match '^\s{2,}\S') {
            $para.Add($line.Trim()) # a list item's continuation line
        } else {
            if ($para.Count -and $para[0].StartsWith('- ')) { & $flush }
            $para.Add($line.Trim())
        }
    }
    if ($null -ne $fence) { throw 'a code fence (```) is not closed' }
    & $flush
    $blocks
}

# A page: '# Verb-Noun', then '## Section' headings, '### Sub' headings inside some of them.
function Read-HelpMarkdown([string] $Path) {
    $page = [ordered]@{ Title = $null; Sections = [ordered]@{} }
    $section = $null
    $sub = $null
    $inFence = $false
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^#\s+(\S.*?)\s*$') { $page.Title = $Matches[1]; continue }
        if (-not $inFence -and $line -match '^##\s+(\S.*?)\s*$') {
            $section = [pscustomobject]@{ Name = $Matches[1]; Lines = [Collections.Generic.List[string]]::new(); Subs = [Collections.Generic.List[object]]::new() }
            $page.Sections[$section.Name] = $section
            $sub = $null
            continue
        }
        if (-not $inFence -and $line -match '^###\s+(\S.*?)\s*$') {
            if (-not $section) { throw "'### $($Matches[1])' comes before any '## ' section" }
            $sub = [pscustomobject]@{ Title = $Matches[1]; Lines = [Collections.Generic.List[string]]::new() }
            $section.Subs.Add($sub)
            continue
        }
        if ($sub) { $sub.Lines.Add($line) }
        elseif ($section) { $section.Lines.Add($line) }
        elseif ($line.Trim()) { throw "text before the first '## ' section: '$line'" }
    }
    if ($inFence) { throw 'a code fence (```) is not closed' }
    $page
}

$KnownSections = 'Synopsis', 'Description', 'Examples', 'Parameters', 'Inputs', 'Outputs', 'Notes', 'Related Links'

function ConvertTo-CommandDoc([string] $Name, [string] $Path) {
    $page = Read-HelpMarkdown $Path
    $doc = [ordered]@{
        Synopsis = $null; Description = @(); Examples = @(); Parameters = @{}; Inputs = @{}; Outputs = @{}
        Notes = @(); Links = @()
    }
    if ($page.Title -ne $Name) { Add-Problem "${Path}: the title must be '# $Name' (found '$($page.Title)')." }
    foreach ($s in $page.Sections.Keys) {
        if ($s -notin $KnownSections) { Add-Problem "${Path}: unknown section '## $s' (known: $($KnownSections -join ', '))." }
    }
    $sections = $page.Sections
    $text = { param($section) @(Split-MarkdownBlock $section.Lines) }

    if ($sections.Contains('Synopsis')) {
        $doc.Synopsis = (@(& $text $sections['Synopsis']) | Where-Object Kind -eq 'Para' | ForEach-Object Text) -join ' '
    }
    if (-not $doc.Synopsis) { Add-Problem "${Path}: '## Synopsis' is missing or empty." }

    if ($sections.Contains('Description')) { $doc.Description = @(& $text $sections['Description']) }
    if (-not $doc.Description) { Add-Problem "${Path}: '## Description' is missing or empty." }

    if ($sections.Contains('Examples')) {
        foreach ($sub in $sections['Examples'].Subs) {
            $blocks = @(Split-MarkdownBlock $sub.Lines)
            $code = @($blocks | Where-Object Kind -eq 'Code') | Select-Object -First 1
            $remarks = @($blocks | Where-Object { $_ -ne $code })
            if (-not $code -or -not $code.Text.Trim()) { Add-Problem "${Path}: '### $($sub.Title)' has no code block."; continue }
            if (-not @($remarks | Where-Object Kind -eq 'Para')) { Add-Problem "${Path}: '### $($sub.Title)' says nothing about what the example does."; continue }
            $doc.Examples += [pscustomobject]@{ Title = $sub.Title; Code = $code.Text; Remarks = $remarks }
        }
    }
    if ($doc.Examples.Count -lt 2) { Add-Problem "${Path}: needs at least two examples under '## Examples' ('### Example 1: ...', a code block, a sentence); found $($doc.Examples.Count)." }

    foreach ($pair in @(@('Parameters', 'Parameters'), @('Inputs', 'Inputs'), @('Outputs', 'Outputs'))) {
        if (-not $sections.Contains($pair[0])) { continue }
        foreach ($sub in $sections[$pair[0]].Subs) {
            $key = $sub.Title
            $append = $false
            if ($pair[0] -eq 'Parameters') {
                if ($key -notmatch '^-(\w+)(\s+\(continued\))?$') { Add-Problem "${Path}: parameter heading '### $key' must be '### -Name' or '### -Name (continued)'."; continue }
                $key = $Matches[1]
                $append = [bool]$Matches[2]
            }
            $doc[$pair[1]][$key] = [pscustomobject]@{ Append = $append; Blocks = @(Split-MarkdownBlock $sub.Lines) }
        }
    }

    if ($sections.Contains('Notes')) { $doc.Notes = @(& $text $sections['Notes']) }

    if ($sections.Contains('Related Links')) {
        foreach ($line in $sections['Related Links'].Lines) {
            if ($line -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)\s]+)\)\s*$') { $doc.Links += [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
            elseif ($line -match '^\s*[-*]\s+`?([\w-]+)`?\s*$') { $doc.Links += [pscustomobject]@{ Text = $Matches[1]; Uri = '' } }
            elseif ($line.Trim()) { Add-Problem "${Path}: a related link must be '- Verb-Noun' or '- [text](url)': '$line'." }
        }
    }
    $doc
}

#endregion

#region Metadata from the compiled cmdlets

# Doc comments by member id (P:Namespace.Type.Property), as plain text.
function Read-DocComment([string] $Path) {
    $map = @{}
    if (-not (Test-Path $Path)) { return $map }
    $xml = [xml]::new()
    $xml.PreserveWhitespace = $true
    $xml.Load($Path)
    foreach ($member in $xml.SelectNodes('/doc/members/member')) {
        $summary = $member.SelectSingleNode('summary')
        if (-not $summary) { continue }
        foreach ($ref in @($summary.SelectNodes('.//see | .//seealso | .//paramref | .//typeparamref'))) {
            $name = ($ref.GetAttribute('cref'), $ref.GetAttribute('name'), $ref.GetAttribute('langword') | Where-Object { $_ })[0]
            $label = if ($ref.InnerText) { $ref.InnerText } else { ($name -replace '^\w:', '') -split '\.' | Select-Object -Last 1 }
            $ref.ParentNode.ReplaceChild($xml.CreateTextNode($label), $ref) | Out-Null
        }
        $map[$member.GetAttribute('name')] = ($summary.InnerText -replace '\s+', ' ').Trim()
    }
    $map
}

# "Gets or sets the stack name." -> "The stack name."; "Gets or sets whether to wait." -> "Whether to wait."
function ConvertFrom-PropertySummary([string] $Text) {
    $Text = $Text -replace '^(Gets or sets|Gets|Sets)\s+', ''
    if (-not $Text) { return '' }
    $Text = $Text.Substring(0, 1).ToUpperInvariant() + $Text.Substring(1)
    if ($Text -notmatch '[.!?)]$') { $Text += '.' }
    $Text
}

function Get-TypeLabel([type] $Type) {
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $Type = $inner }
    if ($Type.IsArray) { return (Get-TypeLabel $Type.GetElementType()) + '[]' }
    $Type.Name
}

function Get-TypeFullName([type] $Type) {
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $Type = $inner }
    $Type.FullName
}

$CommonParameters = [Collections.Generic.HashSet[string]]::new([string[]]([Management.Automation.Cmdlet]::CommonParameters + [Management.Automation.Cmdlet]::OptionalCommonParameters), [StringComparer]::OrdinalIgnoreCase)

function Get-PipelineInputText($Sets) {
    $byValue = $false; $byName = $false
    foreach ($s in $Sets) { $byValue = $byValue -or $s.ValueFromPipeline; $byName = $byName -or $s.ValueFromPipelineByPropertyName }
    if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' }
    elseif ($byValue) { 'True (ByValue)' }
    elseif ($byName) { 'True (ByPropertyName)' }
    else { 'False' }
}

#endregion

#region MAML

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([Xml.XmlWriter] $W, [object[]] $Blocks) {
    # Code (or output) in a description or remarks is one para that keeps its line breaks; Get-Help indents
    # every line alike. An empty para keeps Get-Help's layout when there is no text.
    if (-not $Blocks) { $W.WriteElementString('maml', 'para', $NsMaml, ''); return }
    foreach ($b in $Blocks) {
        $text = if ($b -is [string]) { $b } else { $b.Text }
        $W.WriteElementString('maml', 'para', $NsMaml, $text)
    }
}

function Write-Description([Xml.XmlWriter] $W, [object[]] $Blocks) {
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $W $Blocks
    $W.WriteEndElement()
}

# <command:inputTypes> / <command:returnValues>: one element per type, with its description.
function Write-TypeList([Xml.XmlWriter] $W, [string] $ListElement, [string] $ItemElement, [object[]] $Items) {
    $W.WriteStartElement('command', $ListElement, $NsCommand)
    foreach ($item in $Items) {
        $W.WriteStartElement('command', $ItemElement, $NsCommand)
        Write-Type $W $item.Type
        Write-Description $W $item.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-Type([Xml.XmlWriter] $W, [string] $Name) {
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, $Name)
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
}

function Write-Parameter([Xml.XmlWriter] $W, $P, [switch] $InSyntax, $Set) {
    $required = if ($Set) { $Set.IsMandatory } else { $P.Required }
    $position = if ($Set) { if ($Set.Position -ge 0) { "$($Set.Position)" } else { 'named' } } else { $P.Position }
    $pipeline = if ($Set) { Get-PipelineInputText @($Set) } else { $P.PipelineInput }
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', $P.IsArray.ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $P.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $pipeline)
    $W.WriteAttributeString('position', $position)
    $W.WriteAttributeString('aliases', $(if ($P.Aliases) { $P.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $NsMaml, $P.Name)
    Write-Description $W $P.Description
    if ($P.ValidValues) {
        $W.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($v in $P.ValidValues) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $NsCommand, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    if (-not $P.IsSwitch) {
        # A switch has no value: Get-Help then shows [-Name] in the syntax.
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', $P.IsArray.ToString().ToLowerInvariant())
        $W.WriteString($P.TypeLabel)
        $W.WriteEndElement()
    }
    if (-not $InSyntax) {
        Write-Type $W $P.TypeFullName
        $W.WriteElementString('dev', 'defaultValue', $NsDev, $(if ($P.IsSwitch) { 'False' } else { 'None' }))
    }
    $W.WriteEndElement()
}

function Write-Command([Xml.XmlWriter] $W, $Model) {
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Model.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $Model.Verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $Model.Noun)
    Write-Description $W @($Model.Synopsis)
    $W.WriteEndElement()

    Write-Description $W $Model.Description

    $W.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in $Model.Sets) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Model.Name)
        foreach ($entry in $set.Parameters) { Write-Parameter $W $entry.Parameter -InSyntax -Set $entry.Set }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($p in $Model.Parameters) { Write-Parameter $W $p }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $Model.Inputs
    Write-TypeList $W 'returnValues' 'returnValue' $Model.Outputs

    if ($Model.Notes) {
        $W.WriteStartElement('maml', 'alertSet', $NsMaml)
        $W.WriteStartElement('maml', 'alert', $NsMaml)
        Write-Paras $W $Model.Notes
        $W.WriteEndElement()
        $W.WriteEndElement()
    }

    $W.WriteStartElement('command', 'examples', $NsCommand)
    $n = 0
    foreach ($e in $Model.Examples) {
        $n++
        $W.WriteStartElement('command', 'example', $NsCommand)
        $title = $e.Title -replace '^Example\s+\d+\s*[:.-]?\s*', ''
        $W.WriteElementString('maml', 'title', $NsMaml, "--------- Example ${n}: $title ---------")
        $W.WriteElementString('dev', 'code', $NsDev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        Write-Paras $W $e.Remarks
        $W.WriteElementString('maml', 'para', $NsMaml, '') # a blank line before the next example
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    foreach ($l in $Model.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $l.Text)
        $W.WriteElementString('maml', 'uri', $NsMaml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement() # command:command
}

#endregion

#region Model: one object per cmdlet, everything the MAML needs

$started = [Diagnostics.Stopwatch]::StartNew()
$module = Import-Module $ModuleManifest -PassThru -Force
$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
if (-not $commands) { Add-Problem "The module $ModuleManifest exports no cmdlets." }
$docComments = Read-DocComment (Join-Path $moduleDir ([IO.Path]::ChangeExtension($module.RootModule, '.xml')))

$capabilityTypes = if ($commands) { @($commands[0].ImplementingType.Assembly.GetTypes().Where({ $_.Namespace -eq 'MetaflowAws.Cmdlets.Capabilities' })) } else { @() }
$models = foreach ($cmd in $commands) {
    $page = Join-Path $DocsPath "$($cmd.Name).md"
    if (-not (Test-Path $page)) { Add-Problem "$($cmd.Name): no help page; write $page (format: docs/README.md)."; continue }
    try { $doc = ConvertTo-CommandDoc $cmd.Name $page }
    catch { Add-Problem "${page}: $($_.Exception.Message)"; continue }

    $type = $cmd.ImplementingType
    $parameters = [ordered]@{}
    foreach ($meta in $cmd.Parameters.Values) {
        if ($CommonParameters.Contains($meta.Name)) { continue }
        $property = $type.GetProperty($meta.Name)
        if (-not $property -and $meta.IsDynamic) {
            # A parameter the cmdlet takes by composition: declared once, on its capability class.
            $property = $capabilityTypes.ForEach({ $_.GetProperty($meta.Name) }).Where({ $_ -and $_.IsDefined([Management.Automation.ParameterAttribute], $true) }, 'First')[0]
        }
        $fromCode = if ($property) { $docComments["P:$($property.DeclaringType.FullName).$($property.Name)"] }
        $description = @()
        if ($fromCode) { $description = @([pscustomobject]@{ Kind = 'Para'; Text = ConvertFrom-PropertySummary $fromCode }) }
        if ($doc.Parameters.ContainsKey($meta.Name)) {
            $override = $doc.Parameters[$meta.Name]
            $description = if ($override.Append) { @($description) + $override.Blocks } else { $override.Blocks }
        }
        if (-not $description.Where({ $_.Text.Trim() })) {
            Add-Problem "$($cmd.Name) -$($meta.Name): no description; add an XML doc comment ('/// <summary>Gets or sets ...') to $($type.Name).$($meta.Name), or a '### -$($meta.Name)' section in $page."
        }
        # (Loops, not pipelines: this runs for every parameter of every cmdlet on every build.)
        $sets = @($meta.ParameterSets.Values)
        $validate = $null; $globbing = $false
        foreach ($a in $meta.Attributes) {
            if ($a -is [Management.Automation.ValidateSetAttribute]) { $validate = $a }
            elseif ($a -is [Management.Automation.SupportsWildcardsAttribute]) { $globbing = $true }
        }
        $positions = [Collections.Generic.SortedSet[int]]::new()
        $required = $true
        foreach ($s in $sets) {
            if ($s.Position -ge 0) { $positions.Add($s.Position) | Out-Null }
            if (-not $s.IsMandatory) { $required = $false }
        }
        $parameters[$meta.Name] = [pscustomobject]@{
            Name         = $meta.Name
            Description  = $description
            Required     = $required
            Position     = if ($positions.Count -eq 1) { "$($positions.Min)" } else { 'named' }
            PipelineInput = Get-PipelineInputText $sets
            Globbing     = $globbing
            Aliases      = @($meta.Aliases)
            ValidValues  = if ($validate) { @($validate.ValidValues) } else { @() }
            IsSwitch     = $meta.SwitchParameter
            IsArray      = $meta.ParameterType.IsArray
            TypeLabel    = Get-TypeLabel $meta.ParameterType
            TypeFullName = Get-TypeFullName $meta.ParameterType
            Order        = 0
        }
    }
    foreach ($name in $doc.Parameters.Keys) {
        if (-not $parameters.Contains($name)) { Add-Problem "${page}: '### -$name' names a parameter $($cmd.Name) does not have." }
    }

    # Parameter order in the help: by position, then mandatory ones, then as declared (the cmdlet's own before the shared AWS ones).
    $declared = 0
    $ordered = $parameters.Values | ForEach-Object { $_.Order = $declared++; $_ } |
        Sort-Object { if ($_.Position -ne 'named') { [int]$_.Position } else { [int]::MaxValue } }, { -not $_.Required }, Order

    # One syntax line per parameter set (the default first); PowerShell appends [<CommonParameters>].
    $sets = foreach ($set in ($cmd.ParameterSets | Sort-Object { -not $_.IsDefault }, Name)) {
        $entries = foreach ($p in $set.Parameters) {
            if ($CommonParameters.Contains($p.Name) -and $p.Name -notin 'WhatIf', 'Confirm') { continue }
            $model = $parameters[$p.Name]
            if (-not $model) {
                # -WhatIf / -Confirm: shown in the syntax so a reader sees the cmdlet supports them; not listed among the parameters.
                $model = [pscustomobject]@{ Name = $p.Name; Description = @(); Aliases = @($p.Aliases); ValidValues = @(); IsSwitch = $true; IsArray = $false; Globbing = $false; TypeLabel = 'SwitchParameter' }
            }
            [pscustomobject]@{
                Parameter = $model
                Set       = [pscustomobject]@{ IsMandatory = $p.IsMandatory; Position = $p.Position; ValueFromPipeline = $p.ValueFromPipeline; ValueFromPipelineByPropertyName = $p.ValueFromPipelineByPropertyName }
                Sort      = if ($p.Position -ge 0) { $p.Position } elseif ($p.IsMandatory) { 1000 } elseif ($p.Name -in 'WhatIf', 'Confirm') { 3000 } else { 2000 }
                Order     = if ($parameters[$p.Name]) { $parameters[$p.Name].Order } else { 0 }
            }
        }
        [pscustomobject]@{ Name = $set.Name; Parameters = @($entries | Sort-Object Sort, Order) }
    }

    # Inputs: the type of each parameter that binds by value; one entry for those that bind by property name.
    $inputModels = @(
        foreach ($p in $ordered | Where-Object PipelineInput -match 'ByValue') {
            $blocks = if ($doc.Inputs.ContainsKey($p.TypeFullName)) { $doc.Inputs[$p.TypeFullName].Blocks } else { @([pscustomobject]@{ Kind = 'Para'; Text = "Binds to -$($p.Name)." }) }
            [pscustomobject]@{ Type = $p.TypeFullName; Description = $blocks }
        }
        $byName = @($ordered | Where-Object PipelineInput -match 'ByPropertyName' | ForEach-Object Name)
        if ($byName) {
            $list = if ($byName.Count -eq 1) { $byName[0] } else { ($byName[0..($byName.Count - 2)] -join ', ') + ' or ' + $byName[-1] }
            $blocks = if ($doc.Inputs.ContainsKey('System.Object')) { $doc.Inputs['System.Object'].Blocks } else { @([pscustomobject]@{ Kind = 'Para'; Text = "Any object with a property named $list binds it to the parameter of that name." }) }
            [pscustomobject]@{ Type = 'System.Object'; Description = $blocks }
        })
    foreach ($name in $doc.Inputs.Keys) {
        if ($name -notin @($inputModels.Type)) { Add-Problem "${page}: '### $name' under '## Inputs' is not a type $($cmd.Name) takes from the pipeline." }
    }
    if (-not $inputModels) { $inputModels = @([pscustomobject]@{ Type = 'None'; Description = @([pscustomobject]@{ Kind = 'Para'; Text = 'This cmdlet takes no pipeline input.' }) }) }

    # Outputs: from [OutputType], with the parameter set when it is set-specific.
    $outputModels = foreach ($attr in $type.GetCustomAttributes([Management.Automation.OutputTypeAttribute], $true)) {
        $setNames = @($attr.ParameterSetName | Where-Object { $_ -and $_ -ne '__AllParameterSets' })
        foreach ($t in $attr.Type) {
            $blocks = if ($doc.Outputs.ContainsKey($t.Name)) { $doc.Outputs[$t.Name].Blocks }
                elseif ($setNames) { @([pscustomobject]@{ Kind = 'Para'; Text = "In parameter set $($setNames -join ', ')." }) }
                else { @() }
            [pscustomobject]@{ Type = $t.Name; Description = $blocks }
        }
    }
    foreach ($name in $doc.Outputs.Keys) {
        if ($name -notin @($outputModels.Type)) { Add-Problem "${page}: '### $name' under '## Outputs' is not an [OutputType] of $($cmd.Name)." }
    }
    if (-not $outputModels) { $outputModels = @([pscustomobject]@{ Type = 'None'; Description = @([pscustomobject]@{ Kind = 'Para'; Text = 'This cmdlet writes no objects.' }) }) }

    [pscustomobject]@{
        Name = $cmd.Name; Verb = $cmd.Verb; Noun = $cmd.Noun
        Synopsis = ConvertFrom-InlineMarkdown $doc.Synopsis; Description = $doc.Description
        Sets = @($sets); Parameters = @($ordered); Inputs = @($inputModels); Outputs = @($outputModels)
        Notes = $doc.Notes; Examples = $doc.Examples; Links = $doc.Links
    }
}

foreach ($page in Get-ChildItem $DocsPath -Filter '*-*.md') {
    if ($page.BaseName -notin $commands.Name) { Add-Problem "$($page.FullName): no exported cmdlet is named $($page.BaseName) (renamed or removed?)." }
}

#endregion

if ($script:Problems.Count) {
    [Console]::Error.WriteLine("Help is incomplete ($($script:Problems.Count) problem(s)); fix these and build again:")
    foreach ($p in $script:Problems) { [Console]::Error.WriteLine("  - $p") }
    exit 1
}

New-Item -ItemType Directory -Force $OutputPath | Out-Null
$target = Join-Path $OutputPath "$([IO.Path]::GetFileName($module.RootModule))-Help.xml"
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false); NewLineChars = "`n" }
$writer = [Xml.XmlWriter]::Create($target, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($m in $models) { Write-Command $writer $m }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
} finally { $writer.Dispose() }
"help: $($models.Count) cmdlets -> $target ($([int]$started.Elapsed.TotalMilliseconds) ms)"
