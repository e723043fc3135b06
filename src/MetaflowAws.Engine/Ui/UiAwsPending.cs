namespace MetaflowAws.Engine.Ui;
// TEMPORARY until the ui-wire branch lands.
public static class UiAws { public static IUiAws Create(MetaflowAws.Engine.Aws.AwsSession session) => throw new NotImplementedException(); }
