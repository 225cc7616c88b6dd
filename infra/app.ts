// CDK entry (`cdk synth`, via cdk.json): builds the Pouch app from cdk.json context and runs cdk-nag over it.
import { App } from 'aws-cdk-lib';
import { applyNagChecks } from './nag.ts';
import { buildPouchApp } from './pouch-app.ts';

const app = new App();
buildPouchApp(app);
applyNagChecks(app);
app.synth();
