using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>GetTemplateSummary and ValidateTemplate on responses in CloudFormation's wire shape.</summary>
public sealed class CloudFormationTemplateResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    // botocore cloudformation/2010-05-15 GetTemplateSummaryOutput (Parameters: ParameterDeclaration{ParameterKey,
    // DefaultValue, ParameterType, NoEcho, Description, ParameterConstraints{AllowedValues}}, Description,
    // Capabilities, CapabilitiesReason, ResourceTypes, Version, Metadata, DeclaredTransforms); layout as API
    // reference example "GetTemplateSummary".
    private const string Summary = $"""
        <GetTemplateSummaryResponse xmlns="{Ns}">
          <GetTemplateSummaryResult>
            <Description>Metaflow on AWS (MetaflowAws) — état ünïcode ✓ &amp; more</Description>
            <Parameters>
              <member>
                <NoEcho>false</NoEcho>
                <ParameterKey>APIBasicAuth</ParameterKey>
                <Description>Enable API key authentication &lt;recommended&gt;</Description>
                <DefaultValue>true</DefaultValue>
                <ParameterType>String</ParameterType>
                <ParameterConstraints>
                  <AllowedValues>
                    <member>true</member>
                    <member>false</member>
                  </AllowedValues>
                </ParameterConstraints>
              </member>
              <member>
                <NoEcho>true</NoEcho>
                <ParameterKey>DatabasePassword</ParameterKey>
                <ParameterType>String</ParameterType>
                <ParameterConstraints/>
              </member>
            </Parameters>
            <CapabilitiesReason>The following resource(s) require capabilities: [AWS::IAM::Role]</CapabilitiesReason>
            <Capabilities>
              <member>CAPABILITY_NAMED_IAM</member>
            </Capabilities>
            <Version>2010-09-09</Version>
            <ResourceTypes>
              <member>AWS::EC2::VPC</member>
              <member>AWS::IAM::Role</member>
              <member>AWS::S3::Bucket</member>
            </ResourceTypes>
            <Metadata>{"{"}&quot;Owner&quot;:&quot;Zoë&quot;{"}"}</Metadata>
            <DeclaredTransforms/>
          </GetTemplateSummaryResult>
          <ResponseMetadata>
            <RequestId>2b3c4d5e-0001-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </GetTemplateSummaryResponse>
        """;

    [Fact]
    public async Task GetTemplateSummary_reads_parameters_constraints_and_resource_types()
    {
        server.Answer(RecordedAnswer.Xml(Summary));

        var s = await server.CloudFormation().GetTemplateSummaryAsync(new GetTemplateSummaryRequest { TemplateURL = "https://b.s3.amazonaws.com/t.yaml" });

        Assert.Equal("2b3c4d5e-0001-11e5-94eb-0123456789ab", s.ResponseMetadata.RequestId);
        Assert.Equal("Metaflow on AWS (MetaflowAws) — état ünïcode ✓ & more", s.Description);
        Assert.Equal(["CAPABILITY_NAMED_IAM"], s.Capabilities);
        Assert.Equal("The following resource(s) require capabilities: [AWS::IAM::Role]", s.CapabilitiesReason);
        Assert.Equal(["AWS::EC2::VPC", "AWS::IAM::Role", "AWS::S3::Bucket"], s.ResourceTypes);
        Assert.Equal("2010-09-09", s.Version);
        Assert.Equal("{\"Owner\":\"Zoë\"}", s.Metadata);
        Assert.Equal(2, s.Parameters.Count);
        var auth = s.Parameters[0];
        Assert.Equal(("APIBasicAuth", "true", "String", false, "Enable API key authentication <recommended>"),
            (auth.ParameterKey, auth.DefaultValue, auth.ParameterType, auth.NoEcho, auth.Description));
        Assert.Equal(["true", "false"], auth.AllowedValues);
        var password = s.Parameters[1];
        Assert.True(password.NoEcho);
        Assert.Null(password.DefaultValue);
        Assert.Null(password.Description);
        Assert.Empty(password.AllowedValues);
        Assert.Equal("GetTemplateSummary", Assert.Single(server.Requests).Form["Action"]);
    }

    [Fact]
    public async Task GetTemplateSummary_of_a_template_without_parameters_is_empty()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <GetTemplateSummaryResponse xmlns="{Ns}">
              <GetTemplateSummaryResult>
                <Parameters/>
                <ResourceTypes>
                  <member>AWS::S3::Bucket</member>
                </ResourceTypes>
              </GetTemplateSummaryResult>
              <ResponseMetadata>
                <RequestId>2b3c4d5e-0002-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </GetTemplateSummaryResponse>
            """));

        var s = await server.CloudFormation().GetTemplateSummaryAsync(new GetTemplateSummaryRequest { TemplateBody = "Resources: {B: {Type: AWS::S3::Bucket}}" });

        Assert.Empty(s.Parameters);
        Assert.Empty(s.Capabilities);
        Assert.Null(s.Description);
        Assert.Null(s.Version);
        Assert.Equal(["AWS::S3::Bucket"], s.ResourceTypes);
    }

    // botocore cloudformation/2010-05-15 ValidateTemplateOutput (Parameters: TemplateParameter{ParameterKey,
    // DefaultValue, NoEcho, Description}, Description, Capabilities, CapabilitiesReason); API reference example
    // "ValidateTemplate".
    [Fact]
    public async Task ValidateTemplate_reads_parameters_and_capabilities()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ValidateTemplateResponse xmlns="{Ns}">
              <ValidateTemplateResult>
                <Description>Modèle — état ✓</Description>
                <Parameters>
                  <member>
                    <NoEcho>false</NoEcho>
                    <ParameterKey>VPCCidr</ParameterKey>
                    <Description>CIDR of the VPC &amp; subnets</Description>
                    <DefaultValue>10.20.0.0/16</DefaultValue>
                  </member>
                  <member>
                    <NoEcho>true</NoEcho>
                    <ParameterKey>DatabasePassword</ParameterKey>
                  </member>
                </Parameters>
                <Capabilities>
                  <member>CAPABILITY_IAM</member>
                </Capabilities>
                <CapabilitiesReason>The following resource(s) require capabilities: [AWS::IAM::Role]</CapabilitiesReason>
                <DeclaredTransforms/>
              </ValidateTemplateResult>
              <ResponseMetadata>
                <RequestId>2b3c4d5e-0003-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </ValidateTemplateResponse>
            """));

        var v = await server.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateBody = "{}" });

        Assert.Equal("Modèle — état ✓", v.Description);
        Assert.Equal(["CAPABILITY_IAM"], v.Capabilities);
        Assert.Equal("The following resource(s) require capabilities: [AWS::IAM::Role]", v.CapabilitiesReason);
        Assert.Equal(["VPCCidr", "DatabasePassword"], v.Parameters.Select(p => p.ParameterKey));
        Assert.Equal(("10.20.0.0/16", false, "CIDR of the VPC & subnets"), (v.Parameters[0].DefaultValue, v.Parameters[0].NoEcho, v.Parameters[0].Description));
        Assert.True(v.Parameters[1].NoEcho);
        Assert.Null(v.Parameters[1].DefaultValue);
        Assert.Equal("{}", Assert.Single(server.Requests).Form["TemplateBody"]);
    }

    [Fact]
    public async Task ValidateTemplate_of_a_template_without_parameters_is_empty()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ValidateTemplateResponse xmlns="{Ns}">
              <ValidateTemplateResult>
                <Parameters/>
              </ValidateTemplateResult>
              <ResponseMetadata>
                <RequestId>2b3c4d5e-0004-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </ValidateTemplateResponse>
            """));

        var v = await server.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateBody = "{}" });

        Assert.Empty(v.Parameters);
        Assert.Empty(v.Capabilities);
        Assert.Null(v.CapabilitiesReason);
    }

    // CloudFormation answers an invalid template with ValidationError "Template format error: ..." (HTTP 400).
    [Fact]
    public async Task ValidateTemplate_error_document_gives_the_format_error()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>ValidationError</Code>
                <Message>Template format error: Unresolved resource dependencies [VPC &amp; Subnet] in the Resources block of the template</Message>
              </Error>
              <RequestId>2b3c4d5e-0005-11e5-94eb-0123456789ab</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateBody = "{}" }));

        Assert.Equal("ValidationError", ex.ErrorCode);
        Assert.Equal("Template format error: Unresolved resource dependencies [VPC & Subnet] in the Resources block of the template", ex.Message);
        Assert.Equal("2b3c4d5e-0005-11e5-94eb-0123456789ab", ex.RequestId);
    }
}
