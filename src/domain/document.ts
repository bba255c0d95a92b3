/**
 * A small rich-text model for the robot's Jira comments. Workers build a Document; the Jira
 * client renders it as ADF (Cloud, REST v3) or wiki markup (Data Center, REST v2).
 */
export type Inline = string | { readonly text: string; readonly href?: string; readonly bold?: boolean; readonly code?: boolean };

/** A table cell: inline content, possibly empty. */
export type Cell = readonly Inline[];

export type Block =
  | { readonly type: 'heading'; readonly text: string }
  | { readonly type: 'paragraph'; readonly content: readonly Inline[] }
  | { readonly type: 'bullets'; readonly items: ReadonlyArray<readonly Inline[]> }
  | { readonly type: 'code'; readonly text: string; readonly language?: string }
  /** A table with one header row; each row has as many cells as the header. */
  | { readonly type: 'table'; readonly header: readonly Cell[]; readonly rows: ReadonlyArray<readonly Cell[]> };

export interface Document {
  readonly blocks: readonly Block[];
}
