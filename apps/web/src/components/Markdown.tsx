import { useMemo, type ReactNode } from 'react';
import { markdownLengthMax, parseInline, parseMarkdown, type Block, type Inline } from '../lesson/markdown';

/** Lesson Markdown as React elements: text stays text, so nothing can inject markup. */
export function Markdown({ source }: { source: string }) {
  const blocks = useMemo(() => {
    try {
      return parseMarkdown(source);
    } catch (error) {
      return [{ type: 'paragraph', children: [{ type: 'text', text: `[lesson text not shown: ${(error as Error).message}]` }] }] satisfies Block[];
    }
  }, [source]);
  return <div className="markdown">{blocks.map(renderBlock)}</div>;
}

function renderBlock(block: Block, key: number): ReactNode {
  switch (block.type) {
    case 'paragraph':
      return <p key={key}>{renderInlines(block.children)}</p>;
    case 'heading': {
      // Lesson headings sit under the step title (h3), so they start one level below it.
      const Tag = (['h4', 'h5', 'h6'] as const)[block.level - 1] ?? 'h6';
      return <Tag key={key}>{renderInlines(block.children)}</Tag>;
    }
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{renderInlines(item)}</li>);
      return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case 'code':
      return (
        <pre key={key} className="code-block" data-lang={block.lang ?? undefined}>
          <code>{block.text}</code>
        </pre>
      );
  }
}

/** Inline code up to this many characters is kept on one line. */
const inlineCodeUnbrokenMax = 24;

function renderInlines(nodes: readonly Inline[]): ReactNode[] {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'code':
        // A short token (`--replSet`, `27017`) reads wrong split across lines; long ones may wrap.
        return (
          <code key={i} className={node.text.length <= inlineCodeUnbrokenMax ? 'unbroken' : undefined}>
            {node.text}
          </code>
        );
      case 'strong':
        return <strong key={i}>{renderInlines(node.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInlines(node.children)}</em>;
    }
  });
}

/** One line of Markdown inline text (`code`, **bold**) inside an element of the caller's. */
export function InlineMarkdown({ source }: { source: string }) {
  const nodes = useMemo(() => parseInline(source.slice(0, markdownLengthMax)), [source]);
  return <>{renderInlines(nodes)}</>;
}
