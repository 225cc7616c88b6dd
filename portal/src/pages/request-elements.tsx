// Portal component (request form): the template's elements as fields, nested as the template nests them — a group
// per object, a repeatable group per list with buttons to add and remove items (keyboard first: the new item's
// first field takes the focus, a removal hands it to the list's add button) — each field with its citation,
// its explanation in the officer's language and the check's findings at its own concrete path.
import { useEffect, useRef, useState } from 'react';
import { URGENCIES, type Urgency } from '../../../shared/domain/exchange/urgency.ts';
import type { Finding } from '../../../shared/domain/requests/check.ts';
import { elementText } from '../../../shared/domain/requests/element-texts.ts';
import { findingText } from '../../../shared/domain/requests/finding-words.ts';
import type { RequestKind } from '../../../shared/domain/requests/instruments.ts';
import { type ElementInfo, formatPath } from '../../../shared/domain/requests/schemas.ts';
import { citationText, valueText } from '../../../shared/domain/requests/value-words.ts';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useText } from '../i18n/use-text.tsx';

export type Draft = Record<string, unknown>;
export type DraftPath = readonly (string | number)[];

export function readAt(root: unknown, path: DraftPath): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function isRecord(value: unknown): value is Draft {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function writeNode(node: unknown, path: DraftPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const next = writeNode(readAt(node, [head]), rest, value);
  if (typeof head === 'number') {
    const list: unknown[] = Array.isArray(node) ? [...node] : [];
    list[head] = next;
    return list;
  }
  return { ...(isRecord(node) ? node : {}), [head]: next };
}

/** A copy of `root` with `value` at `path`, creating the objects and lists on the way. */
export function writeAt(root: Draft, path: DraftPath, value: unknown): Draft {
  const next = writeNode(root, path, value);
  return isRecord(next) ? next : root;
}

/** A copy of `root` without the list item at `path` (its last segment is the index). */
export function removeAt(root: Draft, path: DraftPath): Draft {
  const index = path[path.length - 1];
  const listPath = path.slice(0, -1);
  const list = readAt(root, listPath);
  if (typeof index !== 'number' || !Array.isArray(list)) return root;
  return writeAt(
    root,
    listPath,
    list.filter((_, i) => i !== index),
  );
}

/** The pattern of an element's parent: `offences[].penalty` → `offences[]`, `facts` → ''. */
function parentPattern(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

const fieldId = (path: DraftPath) => `el-${path.join('-').replace(/[^A-Za-z0-9-]/g, '-')}`;

interface TreeContext {
  readonly kind: RequestKind;
  readonly children: ReadonlyMap<string, readonly ElementInfo[]>;
  readonly draft: Draft;
  readonly findings: readonly Finding[];
  readonly onChange: (path: DraftPath, value: unknown) => void;
  readonly onRemove: (path: DraftPath) => void;
}

/** Every element of a template (less those the portal writes itself), as nested fields. */
export function ElementTree(props: {
  kind: RequestKind;
  elements: readonly ElementInfo[];
  draft: Draft;
  findings: readonly Finding[];
  onChange: (path: DraftPath, value: unknown) => void;
  onRemove: (path: DraftPath) => void;
}) {
  const children = new Map<string, ElementInfo[]>();
  for (const element of props.elements) {
    const parent = parentPattern(element.path);
    children.set(parent, [...(children.get(parent) ?? []), element]);
  }
  const context: TreeContext = { ...props, children };
  return <Children context={context} pattern="" path={[]} />;
}

function Children({ context, pattern, path }: { context: TreeContext; pattern: string; path: DraftPath }) {
  return (
    <>
      {(context.children.get(pattern) ?? []).map((element) => (
        <ElementNode key={element.path} context={context} element={element} path={[...path, element.key]} />
      ))}
    </>
  );
}

function ElementNode({
  context,
  element,
  path,
}: {
  context: TreeContext;
  element: ElementInfo;
  path: DraftPath;
}) {
  if (element.type === 'object' || element.type === 'record' || element.type === 'other') {
    if (!context.children.has(element.path)) return null;
    return (
      <fieldset className="group">
        <GroupLegend kind={context.kind} element={element} />
        <Children context={context} pattern={element.path} path={path} />
      </fieldset>
    );
  }
  if (element.type === 'array' && element.itemType === 'object') {
    return <ObjectList context={context} element={element} path={path} />;
  }
  if (element.type === 'array' && element.itemType === 'enum' && element.values) {
    return <EnumList context={context} element={element} path={path} />;
  }
  if (element.type === 'array') {
    return <ScalarList context={context} element={element} path={path} />;
  }
  return (
    <ElementField
      kind={context.kind}
      element={element}
      path={path}
      value={readAt(context.draft, path)}
      findings={findingsAt(context.findings, path)}
      onChange={(value) => context.onChange(path, value)}
    />
  );
}

function findingsAt(findings: readonly Finding[], path: DraftPath): readonly Finding[] {
  const at = formatPath(path);
  return findings.filter((f) => f.path === at);
}

function GroupLegend({ kind, element, item }: { kind: RequestKind; element: ElementInfo; item?: number }) {
  const { t, language } = useText();
  const text = elementText(kind, element, language);
  return (
    <>
      <legend>
        {item === undefined ? text.title : t('request.item', { title: text.title, number: item + 1 })}{' '}
        <LevelTag element={element} />
      </legend>
      {item === undefined && text.explanation && (
        <p className="help">
          {text.explanation} <span className="source">[{citationText(element.cite, language)}]</span>
        </p>
      )}
    </>
  );
}

/** Focus management shared by the lists: after an add, the new item's first field; after a removal, "add". */
function useListFocus(count: number) {
  const list = useRef<HTMLDivElement>(null);
  const add = useRef<HTMLButtonElement>(null);
  const [focus, setFocus] = useState<number | 'add'>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `count` re-runs it once the new item is rendered.
  useEffect(() => {
    if (focus === undefined) return;
    if (focus === 'add') add.current?.focus();
    else {
      const item = list.current?.querySelectorAll<HTMLElement>(':scope > .item')[focus];
      item?.querySelector<HTMLElement>('input, select, textarea')?.focus();
    }
    setFocus(undefined);
  }, [focus, count]);
  return { list, add, setFocus };
}

/** A list of objects (offences, persons, data sought…): one group per item, at least one shown. */
function ObjectList({
  context,
  element,
  path,
}: {
  context: TreeContext;
  element: ElementInfo;
  path: DraftPath;
}) {
  const { t, language } = useText();
  const title = elementText(context.kind, element, language).title;
  const value = readAt(context.draft, path);
  const items = Array.isArray(value) ? value : [];
  // An empty list still shows one item to fill in: typing into it creates the list.
  const shown = Math.max(items.length, 1);
  const { list, add, setFocus } = useListFocus(shown);
  return (
    <fieldset className="group list" data-testid={`list-${element.path}`}>
      <GroupLegend kind={context.kind} element={element} />
      <div ref={list}>
        {Array.from({ length: shown }, (_, index) => (
          // Items are controlled by the draft, so their position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          <fieldset key={index} className="group item">
            <GroupLegend kind={context.kind} element={element} item={index} />
            <Children context={context} pattern={`${element.path}[]`} path={[...path, index]} />
            {index < items.length && (
              <RemoveButton
                label={t('request.removeItem', { title, number: index + 1 })}
                onRemove={() => {
                  context.onRemove([...path, index]);
                  setFocus('add');
                }}
              />
            )}
          </fieldset>
        ))}
      </div>
      <button
        type="button"
        ref={add}
        onClick={() => {
          // The placeholder item counts as the first: adding after it keeps both.
          const next = [...(items.length === 0 ? [{}] : items), {}];
          context.onChange(path, next);
          setFocus(next.length - 1);
        }}
      >
        {t('request.addItem', { title })}
      </button>
    </fieldset>
  );
}

/** A list of free-text values (provisions, aliases…): one field per item. */
function ScalarList({
  context,
  element,
  path,
}: {
  context: TreeContext;
  element: ElementInfo;
  path: DraftPath;
}) {
  const { t, language } = useText();
  const text = elementText(context.kind, element, language);
  const value = readAt(context.draft, path);
  const items = Array.isArray(value) ? value : [];
  const shown = Math.max(items.length, 1);
  const { list, add, setFocus } = useListFocus(shown);
  const helpId = `${fieldId(path)}-help`;
  const findings = context.findings.filter((f) => f.path.startsWith(formatPath(path)));
  return (
    <fieldset className="group list" data-testid={`list-${element.path}`} aria-describedby={helpId}>
      <ListLegend element={element} text={text} helpId={helpId} findings={findings} />
      <div ref={list}>
        {Array.from({ length: shown }, (_, index) => {
          const id = fieldId([...path, index]);
          const item = items[index];
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: items are controlled by the draft, by position.
            <div key={index} className="item">
              <label htmlFor={id}>{t('request.item', { title: text.title, number: index + 1 })}</label>
              <input
                id={id}
                type={element.itemType === 'number' ? 'number' : 'text'}
                value={typeof item === 'string' || typeof item === 'number' ? item : ''}
                placeholder={text.hint}
                onChange={(e) =>
                  context.onChange(
                    [...path, index],
                    element.itemType === 'number' && e.target.value !== ''
                      ? Number(e.target.value)
                      : e.target.value,
                  )
                }
              />{' '}
              {index < items.length && (
                <RemoveButton
                  label={t('request.removeItem', { title: text.title, number: index + 1 })}
                  onRemove={() => {
                    context.onRemove([...path, index]);
                    setFocus('add');
                  }}
                />
              )}
            </div>
          );
        })}
      </div>
      <button
        type="button"
        ref={add}
        onClick={() => {
          const next = [...(items.length === 0 ? [''] : items), ''];
          context.onChange(path, next);
          setFocus(next.length - 1);
        }}
      >
        {t('request.addItem', { title: text.title })}
      </button>
    </fieldset>
  );
}

/** A list of values from a closed set (categories, measures…): one checkbox per value. */
function EnumList({
  context,
  element,
  path,
}: {
  context: TreeContext;
  element: ElementInfo;
  path: DraftPath;
}) {
  const { language } = useText();
  const text = elementText(context.kind, element, language);
  const value = readAt(context.draft, path);
  const chosen = new Set(Array.isArray(value) ? value : []);
  const helpId = `${fieldId(path)}-help`;
  const findings = context.findings.filter((f) => f.path.startsWith(formatPath(path)));
  return (
    <fieldset className="group list" aria-describedby={helpId}>
      <ListLegend element={element} text={text} helpId={helpId} findings={findings} />
      {(element.values ?? []).map((option) => {
        const id = fieldId([...path, String(option)]);
        return (
          <div key={String(option)} className="choice">
            <input
              id={id}
              type="checkbox"
              checked={chosen.has(option)}
              onChange={(e) => {
                const next = (element.values ?? []).filter((v) =>
                  v === option ? e.target.checked : chosen.has(v),
                );
                context.onChange(path, next.length === 0 ? null : next);
              }}
            />{' '}
            <label htmlFor={id}>{valueText(element.path, option, language)}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** The template's urgency element offers the routing's urgencies, whose words the catalogue owns. */
function isUrgency(value: unknown): value is Urgency {
  return typeof value === 'string' && (URGENCIES as readonly string[]).includes(value);
}

/** The "(mandatory)" / "(optional)" … level of an element, after its title. */
function LevelTag({ element }: { element: ElementInfo }) {
  const { t } = useText();
  return <span className="level">({t(`level.${element.level}` as MessageKey)})</span>;
}

/** A list's legend and its help (citation, explanation, format, the check's findings anywhere inside it). */
function ListLegend(props: {
  element: ElementInfo;
  text: ReturnType<typeof elementText>;
  helpId: string;
  findings: readonly Finding[];
}) {
  return (
    <>
      <legend>
        {props.text.title} <LevelTag element={props.element} />
      </legend>
      <Help
        id={props.helpId}
        element={props.element}
        explanation={props.text.explanation}
        hint={props.text.hint}
        findings={props.findings}
      />
    </>
  );
}

/** Remove one list item; the caller hands the focus to the list's add button. */
function RemoveButton({ label, onRemove }: { label: string; onRemove: () => void }) {
  return (
    <button type="button" className="remove" onClick={onRemove}>
      {label}
    </button>
  );
}

function Help(props: {
  id: string;
  element: ElementInfo;
  explanation: string;
  hint?: string | undefined;
  findings: readonly Pick<Finding, 'severity' | 'message' | 'detail'>[];
}) {
  const { t, language } = useText();
  const { element } = props;
  return (
    <p id={props.id} className="help">
      {props.explanation} <span className="source">[{citationText(element.cite, language)}]</span>
      {props.hint ? ` ${t('request.format', { hint: props.hint })}` : ''}
      {props.findings.map((f) => (
        <span key={`${f.severity}-${f.message}`} className={`inline-finding ${f.severity}`}>
          {' '}
          {findingText(f.detail, language)}
        </span>
      ))}
    </p>
  );
}

function ElementField(props: {
  kind: RequestKind;
  element: ElementInfo;
  path: DraftPath;
  value: unknown;
  findings: readonly Finding[];
  onChange: (value: unknown) => void;
}) {
  const { t, language } = useText();
  const { element, value } = props;
  const text = elementText(props.kind, element, language);
  const id = fieldId(props.path);
  const helpId = `${id}-help`;
  const invalid = props.findings.some((f) => f.severity === 'error');
  const common = { id, 'aria-describedby': helpId, 'aria-invalid': invalid || undefined };
  let input: React.ReactNode;
  if (element.type === 'boolean' || (element.type === 'literal' && element.values?.[0] === true)) {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => props.onChange(e.target.checked ? true : null)}
      />
    );
  } else if ((element.type === 'enum' || element.type === 'literal') && element.values) {
    input = (
      <select
        {...common}
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => props.onChange(e.target.value || null)}
      >
        <option value="">{t('request.choose')}</option>
        {element.values.map((v) => (
          <option key={String(v)} value={String(v)}>
            {element.path === 'urgency.level' && isUrgency(v)
              ? t(`urgency.${v}`)
              : valueText(element.path, v, language)}
          </option>
        ))}
      </select>
    );
  } else if (element.type === 'number') {
    input = (
      <input
        {...common}
        type="number"
        value={typeof value === 'number' ? value : ''}
        onChange={(e) => props.onChange(e.target.value === '' ? null : Number(e.target.value))}
      />
    );
  } else if (element.hint) {
    input = (
      <input
        {...common}
        value={typeof value === 'string' ? value : ''}
        placeholder={text.hint}
        onChange={(e) => props.onChange(e.target.value || null)}
      />
    );
  } else {
    input = (
      <textarea
        {...common}
        rows={2}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => props.onChange(e.target.value || null)}
      />
    );
  }
  return (
    <div className={`field element level-${element.level}`}>
      <label htmlFor={id}>
        {text.title} <LevelTag element={element} />
      </label>
      {input}
      <Help
        id={helpId}
        element={element}
        explanation={text.explanation}
        hint={text.hint}
        findings={props.findings}
      />
    </div>
  );
}
