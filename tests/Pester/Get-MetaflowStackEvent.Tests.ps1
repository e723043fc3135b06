BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:name = New-TestStackName 'ev'
    $script:before = (Get-Date).ToUniversalTime()
    New-MetaflowStack -StackName $script:name -TemplatePath $script:SmallTemplatePath | Out-Null
}
AfterAll { Remove-MetaflowStack $script:name -Confirm:$false -ErrorAction SilentlyContinue }

Describe 'Get-MetaflowStackEvent' {
    It 'returns typed events newest first' {
        $events = Get-MetaflowStackEvent -StackName $script:name
        $events[0].GetType().FullName | Should -Be 'MetaflowAws.Engine.Stacks.MetaflowStackEvent'
        $events[0].ResourceStatus | Should -Be 'CREATE_COMPLETE'
        $events[0].IsStackEvent | Should -BeTrue
        $events[-1].ResourceStatus | Should -Be 'CREATE_IN_PROGRESS'
        $events[-1].ResourceStatusReason | Should -Be 'User Initiated'
        for ($i = 1; $i -lt $events.Count; $i++) { $events[$i].Timestamp | Should -BeLessOrEqual $events[$i - 1].Timestamp }
    }

    It 'returns only the newest N with -First' {
        (Get-MetaflowStackEvent -StackName $script:name -First 2).Count | Should -Be 2
    }

    It 'returns nothing older than -Since' {
        Get-MetaflowStackEvent -StackName $script:name -Since (Get-Date).AddHours(1) | Should -BeNullOrEmpty
        (Get-MetaflowStackEvent -StackName $script:name -Since $script:before.AddSeconds(-1)).Count | Should -BeGreaterThan 5
    }

    It 'has a default table view' {
        $text = Get-MetaflowStackEvent -StackName $script:name -First 1 | Format-Table | Out-String
        $text | Should -Match 'LogicalResourceId\s+ResourceType\s+ResourceStatus'
    }
}
