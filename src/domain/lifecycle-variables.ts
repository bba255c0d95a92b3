import { isIsoDuration } from './duration.ts';
import { z } from 'zod';

/**
 * Process variables that more than one step reads or writes. Each step's input and output
 * schema is built from these, so a variable has one shape from the step that writes it to
 * every step that reads it.
 */
export const issueKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+-\d+$/, 'expected a Jira issue key such as MLM-42')
  .describe('Jira issue key of the model ticket; also the business key');

export const ticketCreatedAt = z.iso.datetime({ offset: true }).describe('When the Jira ticket was created (ISO-8601 instant)');

export const repository = z
  .object({
    fullName: z.string().describe('owner/name on GitHub'),
    htmlUrl: z.url().describe('Web address of the repository'),
    defaultBranch: z.string(),
  })
  .describe('The model repository created from the template');
export type Repository = z.infer<typeof repository>;

export const researchServerUrl = z
  .url()
  .nullable()
  .optional()
  .describe("The developer's JupyterHub research server, when JupyterHub is configured");

export const statusRole = z
  .string()
  .min(1)
  .describe('A status role from the policy file ([jira.statuses]), e.g. "research" or "ready_for_training"');

export const commitSha = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character git commit sha');

export const modelCommit = commitSha.describe('The commit of the default branch the training attempt reads model.toml from and trains');

export const trainingAttempt = z
  .number()
  .int()
  .min(0)
  .describe('Training attempts this lifecycle has started (the current one included once its build is planned)');

export const isoInstant = z.iso.datetime({ offset: true });

export const isoDurationVariable = z.string().refine(isIsoDuration, 'expected an ISO-8601 duration such as PT1M');
