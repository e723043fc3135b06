using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>ValidateTemplate on responses in CloudFormation's wire shape.</summary>
public sealed class CloudFormationTemplateResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

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
