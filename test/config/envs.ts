/** Every integration configured, for the Jira Cloud flavour, without Prometheus: what the config tests start from. */
export const fullCloudEnv = {
  JIRA_BASE_URL: 'https://acme.atlassian.net',
  JIRA_EMAIL: 'robot@acme.example',
  JIRA_API_TOKEN: 'jira-token',
  JIRA_WEBHOOK_SECRET: 'hmac-secret',
  GITHUB_TOKEN: 'ghp_token',
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SLACK_SIGNING_SECRET: 'signing-secret',
  JENKINS_URL: 'https://jenkins.acme.example',
  JENKINS_USER: 'model-lifecycle',
  JENKINS_API_TOKEN: 'jenkins-token',
  JENKINS_CALLBACK_SECRET: 'callback-secret',
  MLFLOW_TRACKING_URI: 'https://mlflow.acme.example',
};
