using System.Xml.Linq;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.Sts;

/// <summary>STS GetCallerIdentity for the sandbox's identities.</summary>
public sealed class StsApi(Credentials credentials)
{
    public static readonly QueryXml X = new("https://sts.amazonaws.com/doc/2011-06-15/");

    public XElement Handle(string action, IReadOnlyDictionary<string, string> form, string accessKeyId)
    {
        switch (action)
        {
            case "GetCallerIdentity":
                var who = credentials.Identity(accessKeyId);
                return X.E("GetCallerIdentityResult", X.E("Arn", who.Arn), X.E("UserId", who.UserId), X.E("Account", CloudFormation.StackEngine.AccountId));
            default:
                throw new CloudFormation.ApiError("InvalidAction", $"Could not find operation {action} for version 2011-06-15");
        }
    }
}
