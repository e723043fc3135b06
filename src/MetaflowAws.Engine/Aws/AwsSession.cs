using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace MetaflowAws.Engine.Aws;

/// <summary>What a caller gave to reach AWS: the AWS.Tools common parameters.</summary>
public sealed record AwsSessionOptions
{
    public string? Region { get; init; }
    public string? ProfileName { get; init; }
    public string? ProfileLocation { get; init; }
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    public string? SessionToken { get; init; }
    public string? EndpointUrl { get; init; }
}

/// <summary>Reads environment variables; a seam so tests can give their own.</summary>
public interface IEnvironment
{
    string? Get(string name);
}

public sealed class ProcessEnvironment : IEnvironment
{
    public static readonly ProcessEnvironment Instance = new();

    public string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}

/// <summary>
/// Credentials, region and endpoints resolved the way AWS.Tools resolves them: explicit
/// parameters, then AWS_PROFILE / AWS_REGION / AWS_DEFAULT_REGION / AWS_ENDPOINT_URL[_SERVICE],
/// then the shared config and credentials files (SSO and assume-role profiles through the SDK).
/// </summary>
public sealed class AwsSession
{
    private readonly IEnvironment _env;
    private readonly CredentialProfile? _profile;

    private AwsSession(AWSCredentials credentials, string region, string? profileName, string? endpointUrl, CredentialProfile? profile, IEnvironment env)
    {
        Credentials = credentials;
        Region = region;
        ProfileName = profileName;
        ExplicitEndpointUrl = endpointUrl;
        _profile = profile;
        _env = env;
    }

    public AWSCredentials Credentials { get; }

    public string Region { get; }

    /// <summary>The profile the credentials came from, when they came from one.</summary>
    public string? ProfileName { get; }

    /// <summary>The -EndpointUrl given by the caller, if any.</summary>
    public string? ExplicitEndpointUrl { get; }

    public static AwsSession Resolve(AwsSessionOptions options, IEnvironment? environment = null)
    {
        var env = environment ?? ProcessEnvironment.Instance;
        var chain = new CredentialProfileStoreChain(options.ProfileLocation);

        CredentialProfile? profile = null;
        var profileName = options.ProfileName ?? env.Get("AWS_PROFILE");
        AWSCredentials credentials;
        if (options.SessionToken is not null && options.AccessKey is null && options.SecretKey is null)
            throw new MetaflowException(ErrorIds.IncompleteCredentials,
                "-SessionToken goes with -AccessKey and -SecretKey (the three parts of temporary credentials); alone it would be ignored.",
                ErrorKind.InvalidArgument, "SessionToken");
        if (options.AccessKey is not null || options.SecretKey is not null)
        {
            if (string.IsNullOrEmpty(options.AccessKey) || string.IsNullOrEmpty(options.SecretKey))
                throw new MetaflowException(ErrorIds.IncompleteCredentials,
                    "-AccessKey and -SecretKey must be given together (and -SessionToken with them for temporary credentials).",
                    ErrorKind.InvalidArgument, options.AccessKey is null ? "AccessKey" : "SecretKey");
            credentials = string.IsNullOrEmpty(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken);
            profileName = options.ProfileName;
            if (profileName is not null) chain.TryGetProfile(profileName, out profile);
        }
        else if (profileName is not null)
        {
            if (!chain.TryGetProfile(profileName, out profile) || !chain.TryGetAWSCredentials(profileName, out credentials!))
            {
                var known = SafeListProfiles(chain);
                throw new MetaflowException(ErrorIds.ProfileNotFound,
                    $"The AWS profile '{profileName}' was not found or has no usable credentials in " +
                    $"{options.ProfileLocation ?? "the shared config and credentials files (~/.aws/config, ~/.aws/credentials)"}. " +
                    (known.Count > 0 ? $"Profiles found: {string.Join(", ", known)}." : "No profiles were found.") +
                    " Pass -ProfileName with one of them, or -AccessKey/-SecretKey.",
                    ErrorKind.ObjectNotFound, profileName);
            }
        }
        else
        {
            if (env.Get("AWS_ACCESS_KEY_ID") is { } ak && env.Get("AWS_SECRET_ACCESS_KEY") is { } sk)
            {
                credentials = env.Get("AWS_SESSION_TOKEN") is { } st ? new SessionAWSCredentials(ak, sk, st) : new BasicAWSCredentials(ak, sk);
            }
            else if (chain.TryGetProfile("default", out profile) && chain.TryGetAWSCredentials("default", out credentials!))
            {
                profileName = "default";
            }
            else
            {
                try
                {
                    credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
                }
                catch (Exception ex)
                {
                    throw new MetaflowException(ErrorIds.NoCredentials,
                        "No AWS credentials were found: pass -ProfileName or -AccessKey/-SecretKey, set AWS_PROFILE or " +
                        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or add a [default] profile to ~/.aws/credentials. " + ex.Message,
                        ErrorKind.Authentication, null, ex);
                }
            }
        }

        var region = options.Region ?? env.Get("AWS_REGION") ?? env.Get("AWS_DEFAULT_REGION") ?? profile?.Region?.SystemName;
        if (region is null)
            throw new MetaflowException(ErrorIds.NoRegion,
                "No AWS region was given: pass -Region (for example -Region us-east-1), set AWS_REGION or AWS_DEFAULT_REGION, " +
                "or set 'region' in the profile" + (profileName is null ? "." : $" '{profileName}'."),
                ErrorKind.InvalidArgument, null);
        ValidateRegion(region, "Region");

        if (options.EndpointUrl is not null) ValidateEndpoint(options.EndpointUrl, "EndpointUrl");
        return new AwsSession(credentials, region, profileName, options.EndpointUrl, profile, env);
    }

    /// <summary>
    /// The endpoint for a service: -EndpointUrl, then AWS_ENDPOINT_URL_&lt;SERVICE_ID&gt;, then
    /// AWS_ENDPOINT_URL, then the profile's endpoint_url; null means the AWS default.
    /// </summary>
    public string? EndpointFor(string serviceId)
    {
        if (ExplicitEndpointUrl is not null) return ExplicitEndpointUrl;
        var key = "AWS_ENDPOINT_URL_" + serviceId.ToUpperInvariant().Replace(' ', '_');
        var url = _env.Get(key) ?? _env.Get("AWS_ENDPOINT_URL") ?? _profile?.EndpointUrl;
        if (url is not null) ValidateEndpoint(url, key);
        return url;
    }

    /// <summary>Applies region, endpoint and retry settings to a client configuration.</summary>
    public T Configure<T>(T config, string serviceId) where T : ClientConfig
    {
        config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        if (EndpointFor(serviceId) is { } url)
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = Region;
            // An endpoint such as http://127.0.0.1:port serves every bucket under one host: path-style.
            if (config is Amazon.S3.AmazonS3Config s3) s3.ForcePathStyle = true;
        }
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = 8;
        return config;
    }

    private static List<string> SafeListProfiles(CredentialProfileStoreChain chain)
    {
        try { return chain.ListProfiles().Select(p => p.Name).Distinct().OrderBy(n => n).ToList(); }
        catch (Exception) { return []; }
    }

    /// <summary>
    /// A region the AWS SDK knows (its endpoints data) or the module's region table has: a name of the right shape that is
    /// no region (a typo) would otherwise reach a host that does not exist, or a region the user did not mean.
    /// </summary>
    internal static void ValidateRegion(string region, string parameter)
    {
        if (KnownRegions.IsKnown(region)) return;
        var nearest = KnownRegions.Nearest(region).ToList();
        throw new MetaflowException(ErrorIds.InvalidRegion,
            $"-{parameter} '{region}' is not an AWS region" + (nearest.Count > 0 ? $"; did you mean {string.Join(" or ", nearest)}?" : ".") +
            " Use a region name such as us-east-1, eu-west-2 or ap-southeast-1 (Tab completes them). A region AWS opened after this version of the module needs a newer module.",
            ErrorKind.InvalidArgument, region);
    }

    internal static void ValidateEndpoint(string url, string parameter)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new MetaflowException(ErrorIds.InvalidEndpoint,
                $"{parameter} '{url}' is not an absolute http or https URL. Give one such as https://cloudformation.us-east-1.amazonaws.com or http://127.0.0.1:4566.",
                ErrorKind.InvalidArgument, url);
    }
}
