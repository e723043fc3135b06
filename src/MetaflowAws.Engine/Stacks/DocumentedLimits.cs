using System.Text;
using System.Text.RegularExpressions;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// The limits AWS documents for what the deploy cmdlets send, checked before anything is sent, each with its source:
/// CloudFormation's quotas (CloudFormation User Guide, "Understand CloudFormation quotas") and the members of its API
/// (botocore's cloudformation model: Tags max 50, TagKey 1-128, TagValue 1-256), and IAM's tag pattern (stack tags
/// propagate to the template's IAM roles: botocore iam tagKeyType/tagValueType).
/// </summary>
public static class DocumentedLimits
{
    /// <summary>
    /// A template read from S3: "1 MB". The sandbox's S3 counts that as 1,000,000 bytes, fewer than 1 MiB: the check takes
    /// what both accept.
    /// </summary>
    public const int TemplateUrlBytes = 1_000_000;
    public const int MaxResources = 500;
    public const int MaxParameters = 200;
    public const int MaxOutputs = 200;
    public const int MaxMappings = 200;
    public const int MaxDescriptionBytes = 1_024;
    public const int MaxParameterValueBytes = 4_096;
    public const int MaxTags = 50;

    /// <summary>The tag the module puts on every stack it creates, so it knows its own stacks again.</summary>
    public const string TemplateTag = "metaflowaws:template";

    private static readonly Regex IamTagCharacters = new(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", RegexOptions.Compiled);

    /// <summary>CloudFormation's template quotas, before the template is staged or sent.</summary>
    public static void CheckTemplate(TemplateDocument template, string source)
    {
        string Name() => $"The template {source}";
        if (template.ByteSize > TemplateUrlBytes)
            throw Limit(source, $"{Name()} is {template.ByteSize:N0} bytes; CloudFormation reads a template of at most 1 MB ({TemplateUrlBytes:N0} bytes) from S3, so it was not uploaded. Split it into nested stacks or remove what it does not need.");
        foreach (var (section, max) in new[] { ("Resources", MaxResources), ("Parameters", MaxParameters), ("Outputs", MaxOutputs), ("Mappings", MaxMappings) })
            if (template.Section(section).Count > max)
                throw Limit(source, $"{Name()} declares {template.Section(section).Count} {section.ToLowerInvariant()}; CloudFormation takes at most {max}.");
        if (template.Root.GetValueOrDefault("Description") is string description && Encoding.UTF8.GetByteCount(description) > MaxDescriptionBytes)
            throw Limit(source, $"{Name()}'s Description is {Encoding.UTF8.GetByteCount(description):N0} bytes; CloudFormation takes at most {MaxDescriptionBytes:N0}.");
    }

    /// <summary>Every parameter value fits CloudFormation's 4,096 bytes.</summary>
    public static void CheckParameterValues(IReadOnlyDictionary<string, string> values)
    {
        foreach (var (name, value) in values)
            if (Encoding.UTF8.GetByteCount(value) > MaxParameterValueBytes)
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"{MetaflowParameters.Display(name)} is {Encoding.UTF8.GetByteCount(value):N0} bytes; CloudFormation takes a parameter value of at most {MaxParameterValueBytes:N0} bytes.",
                    ErrorKind.InvalidArgument, name);
    }

    /// <summary>
    /// The stack tags the user gives: at most 50 with the module's own (<paramref name="reserved"/>), keys of 1-128
    /// characters not starting with aws:, values of 1-256, in the characters IAM takes (the tags reach the template's roles).
    /// </summary>
    public static void CheckTags(IReadOnlyDictionary<string, string> tags, int reserved)
    {
        if (tags.Count + reserved > MaxTags)
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-Tag has {tags.Count} tags; a stack takes at most {MaxTags}" + (reserved > 0 ? $", and the module adds its own ({TemplateTag}), so give at most {MaxTags - reserved}." : "."),
                ErrorKind.InvalidArgument, tags.Count);
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Tag key '{key}' is not valid: tag keys have 1 to 128 characters and cannot start with 'aws:'.", ErrorKind.InvalidArgument, key);
            if (key.Equals(TemplateTag, StringComparison.Ordinal))
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Tag key '{key}' is the module's own tag (it marks the stacks it made); choose another key.", ErrorKind.InvalidArgument, key);
            if (value.Length is 0 or > 256)
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Tag '{key}' has a value of {value.Length} characters; CloudFormation takes 1 to 256.", ErrorKind.InvalidArgument, key);
            if (!IamTagCharacters.IsMatch(key) || !IamTagCharacters.IsMatch(value))
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Tag '{key}' = '{value}' has characters IAM does not take in tags, and the stack's tags reach its IAM roles: use letters, digits, spaces and _ . : / = + - @.",
                    ErrorKind.InvalidArgument, key);
        }
    }

    /// <summary>The module's own tag value: the template's file name, in the characters IAM takes, at most 256.</summary>
    public static string TemplateTagValue(string templatePath)
    {
        var name = new string(Path.GetFileName(templatePath).Select(c => IamTagCharacters.IsMatch(c.ToString()) ? c : '_').ToArray());
        return name.Length == 0 ? "template" : name.Length > 256 ? name[..256] : name;
    }

    /// <summary>A container image reference: ECS takes at most 255 characters (ECS API reference, ContainerDefinition image).</summary>
    public static void CheckImage(string parameter, string value)
    {
        if (value.Length > 255)
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"{MetaflowParameters.Display(parameter)} is {value.Length} characters; ECS takes an image reference of at most 255.", ErrorKind.InvalidArgument, value);
    }

    private static MetaflowException Limit(string source, string message) => new(ErrorIds.TemplateInvalid, message, ErrorKind.InvalidData, source);
}
