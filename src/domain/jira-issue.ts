import { z } from 'zod';

/** A Jira user as both Cloud (accountId) and Data Center (name/key) describe one. */
export const jiraUserSchema = z.object({
  accountId: z.string().optional().describe('Jira Cloud account id'),
  name: z.string().optional().describe('Jira Data Center user name'),
  displayName: z.string(),
  emailAddress: z.string().optional(),
});
export type JiraUser = z.infer<typeof jiraUserSchema>;

/** The parts of a Jira issue the lifecycle reads, the same for Cloud and Data Center. */
export const jiraIssueViewSchema = z.object({
  key: z.string(),
  id: z.string(),
  summary: z.string(),
  status: z.string().describe('Status name, e.g. "Ready for training"'),
  issueType: z.string(),
  projectKey: z.string(),
  reporter: jiraUserSchema.nullable(),
  assignee: jiraUserSchema.nullable(),
  components: z.array(z.string()),
  labels: z.array(z.string()),
  /** Every field as Jira returned it, for custom fields named in the policy. */
  fields: z.record(z.string(), z.unknown()),
});
export type JiraIssueView = z.infer<typeof jiraIssueViewSchema>;
