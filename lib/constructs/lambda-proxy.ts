/**
 * A Lambda proxy integration that adds no invoke permission of its own. CDK's LambdaIntegration adds one
 * `AWS::Lambda::Permission` per method (31 routes filled about 13 KB of the function's 20 KB resource
 * policy); instead the API grants API Gateway once per function, for this API's stage (`grantInvoke`).
 */
import { AwsIntegration, type IntegrationConfig, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

export class LambdaProxy extends AwsIntegration {
  constructor(private readonly handler: IFunction) {
    super({ proxy: true, service: 'lambda', path: `2015-03-31/functions/${handler.functionArn}/invocations` });
  }

  override bind(method: Method): IntegrationConfig {
    // A new deployment when the function is replaced, as LambdaIntegration does.
    return { ...super.bind(method), deploymentToken: JSON.stringify({ function: method.stack.resolve(this.handler.functionArn) }) };
  }

  /** The one permission: API Gateway may invoke the function for any route of `api`'s deployed stage, nothing else. */
  grantInvoke(api: RestApi, stageName: string): void {
    this.handler.addPermission('InvokeFromApiStage', {
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: api.arnForExecuteApi('*', '/*', stageName),
    });
  }
}
