import { Fragment, useEffect, useId, useRef, useState } from 'react';
import type { LabClient } from '../app/labClient';
import { fillPlaceholders } from '@rslab/protocol';
import { selectInputLocked, selectLesson, selectLessonCollapsed, useLab, type LessonStepDetail, type LessonView } from '../store/lab';
import { shellForCommand, type ShellRole } from '../lesson/shells';
import { lessonEnd, type LessonEnd } from '../lesson/next';
import { hyphenRuns, softBreaks } from '../lesson/wrap';
import { predictionResult } from '../lesson/prediction';
import { stepScrollTop } from '../lesson/scroll';
import { unfilledCommandText } from '../lesson/placeholders';
import { InlineMarkdown, Markdown } from './Markdown';

const stateWord = { done: 'done', pending: 'pending', current: 'in progress' } as const;

export function LessonPane({ client }: { client: LabClient }) {
  const lesson = useLab(selectLesson);
  const collapsed = useLab(selectLessonCollapsed);
  const bodyId = useId();
  const body = useRef<HTMLDivElement>(null);
  const currentId = lesson?.steps.find((s) => s.state === 'current')?.id ?? null;
  const firstId = lesson?.steps[0]?.id ?? null;
  useEffect(() => {
    // Keep the step being worked on in view inside the pane (never scrolls the page itself).
    const container = body.current;
    const step = container?.querySelector<HTMLElement>('[aria-current="step"]');
    if (!container || !step) return;
    // Measured from the pane's own box: offsetTop would count from whichever ancestor is positioned.
    const stepTop = step.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
    container.scrollTop = stepScrollTop({
      scrollTop: container.scrollTop,
      clientHeight: container.clientHeight,
      stepTop,
      stepBottom: stepTop + step.offsetHeight,
      first: currentId !== null && currentId === firstId,
    });
  }, [currentId, firstId, collapsed]);
  const end = lesson ? lessonEnd(lesson) : null;
  const complete = end !== null;
  useEffect(() => {
    // When the last step is done, bring the closing message into view inside the pane.
    const container = body.current;
    if (complete && container) container.scrollTop = container.scrollHeight;
  }, [complete, collapsed]);
  const doneCount = lesson?.steps.filter((s) => s.state === 'done').length ?? 0;
  return (
    <section className={`pane lesson-pane${collapsed ? ' collapsed' : ''}`} aria-label="Lesson">
      <div className="pane-head">
        <button
          type="button"
          className="collapse-toggle"
          aria-expanded={!collapsed}
          aria-controls={bodyId}
          onClick={() => client.setLessonCollapsed(!collapsed)}
          title={collapsed ? 'Show the lesson' : 'Hide the lesson'}
        >
          <span aria-hidden="true">{collapsed ? '▸' : '◂'}</span>
          <span className="collapse-label">Lesson</span>
        </button>
        {!collapsed && lesson && (
          <span className="pane-meta">
            {doneCount} of {lesson.steps.length} done
          </span>
        )}
      </div>
      <div id={bodyId} ref={body} className="pane-body lesson-body" hidden={collapsed}>
        {!lesson && <p className="muted">The lesson appears here when the server sends it.</p>}
        {lesson && (
          <>
            {lesson.catalog && lesson.catalog.length > 1 && <LessonPicker lesson={lesson} client={client} />}
            {lesson.title && <h2 className="lesson-title">{lesson.title}</h2>}
            {lesson.preparing && (
              <p className="lesson-preparing" role="status">
                Setting up the lab for this lesson (its members start in the servers shell). Wait until it is ready: what you do meanwhile does not count.
              </p>
            )}
            {lesson.markdown && <Markdown source={lesson.markdown} />}
            <ChapteredSteps steps={lesson.steps} client={client} />
            {end && <LessonComplete end={end} client={client} />}
          </>
        )}
      </div>
    </section>
  );
}

function LessonPicker({ lesson, client }: { lesson: LessonView; client: LabClient }) {
  const id = useId();
  return (
    <div className="lesson-picker">
      <label htmlFor={id}>Lesson</label>
      <select id={id} value={lesson.lessonId} onChange={(event) => client.selectLesson(event.target.value)}>
        {lesson.catalog?.map((entry) => (
          <option key={entry.id} value={entry.id} disabled={!entry.available} title={entry.summary}>
            {entry.title}
            {entry.available ? '' : ' (needs the sim engine)'}
          </option>
        ))}
      </select>
    </div>
  );
}

function LessonComplete({ end, client }: { end: LessonEnd; client: LabClient }) {
  const next = end.next;
  return (
    <div className="lesson-complete">
      <h3 className="lesson-complete-title">
        <span aria-hidden="true">✓ </span>Lesson complete
      </h3>
      <p className="lesson-complete-text">Every step is done.{next ? '' : ' There is no other lesson to go on to here.'}</p>
      {next && (
        <button type="button" className="next-lesson" title={next.summary} onClick={() => client.selectLesson(next.id)}>
          {end.wrapped ? 'Try another lesson' : 'Next lesson'}: {next.title}
        </button>
      )}
    </div>
  );
}

function ChapteredSteps({ steps, client }: { steps: LessonStepDetail[]; client: LabClient }) {
  // Steps carry their chapter's title; group consecutive steps of one chapter under it.
  const groups: { chapter: string | null; steps: { step: LessonStepDetail; number: number }[] }[] = [];
  steps.forEach((step, index) => {
    const chapter = step.chapter ?? null;
    const last = groups[groups.length - 1];
    if (last && last.chapter === chapter) last.steps.push({ step, number: index + 1 });
    else groups.push({ chapter, steps: [{ step, number: index + 1 }] });
  });
  return (
    <>
      {groups.map((group, i) => (
        <div key={i} className="chapter">
          {group.chapter && <h3 className="chapter-title">{group.chapter}</h3>}
          <ol className="steps">
            {group.steps.map(({ step, number }) => (
              <LessonStep key={step.id} step={step} number={number} client={client} />
            ))}
          </ol>
        </div>
      ))}
    </>
  );
}

function LessonStep({ step, number, client }: { step: LessonStepDetail; number: number; client: LabClient }) {
  const [hintOpen, setHintOpen] = useState(false);
  const hintId = useId();
  // A read-only page (following someone) shows the commands but cannot run them.
  // While the lab is being set up nothing counts yet: the lesson's buttons wait too.
  const preparing = useLab((state) => state.lesson?.preparing === true);
  const inputLocked = useLab(selectInputLocked) !== null;
  const label = `step ${number}: ${step.title}`;
  const cluster = useLab((state) => state.cluster);
  const hasBody = Boolean(step.markdown || step.hint || (step.commands && step.commands.length > 0) || step.prediction);
  const prediction = step.prediction;
  const body = (
    <>
      {step.markdown && <Markdown source={step.markdown} />}
      {prediction && (
        <fieldset className="prediction" aria-label={`Prediction for step ${number}`}>
          <legend>
            <InlineMarkdown source={`Predict first: ${prediction.question}`} />
          </legend>
          <ul className="prediction-choices">
            {prediction.choices.map((choice) => {
              const chosen = prediction.chosen === choice.id;
              const right = prediction.outcome?.choiceId === choice.id;
              return (
                <li key={choice.id} className={`prediction-choice${chosen ? ' chosen' : ''}${right ? ' happened' : ''}`}>
                  <button
                    type="button"
                    aria-pressed={chosen}
                    disabled={inputLocked || preparing || prediction.chosen !== null || step.state !== 'current'}
                    onClick={() => client.predict(step.id, choice.id)}
                  >
                    {choice.text}
                  </button>
                  {chosen && <span className="prediction-tag"> your prediction</span>}
                  {right && <span className="prediction-tag"> what happened</span>}
                </li>
              );
            })}
          </ul>
          {prediction.outcome && (
            <p className="prediction-outcome" role="status">
              <InlineMarkdown source={`What happened: ${prediction.outcome.text}`} />
            </p>
          )}
          {prediction.chosen !== null && step.state === 'current' && !inputLocked && (
            <button type="button" className="link-button" onClick={() => client.retryStep()}>
              Try this step again
            </button>
          )}
        </fieldset>
      )}
      {step.commands && step.commands.length > 0 && (
        <ul className="commands" aria-label={`Commands for step ${number}`}>
          {step.commands.map((template, i) => {
            // Members named by role ({{pid:primary}}) show as they are now; "Run this" fills them again when pressed.
            const filled = fillPlaceholders(template, cluster);
            const command = filled.ok ? filled.text : unfilledCommandText(template);
            const shell = shellOf(step, i);
            // Say which shell once for each run of commands that go in the same one.
            const newShell = i === 0 || shellOf(step, i - 1) !== shell;
            return (
              <li key={i} className="command">
                {newShell && <span className={`command-shell shell-${shell}`}>in the {shell} shell</span>}
                <span className="command-line">
                  <code>
                    {softBreaks(command).map((piece, p) => (
                      <Fragment key={p}>
                        {p > 0 && <wbr />}
                        {hyphenRuns(piece).map((part, h) =>
                          part.keep ? (
                            <span key={h} className="nobr">
                              {part.text}
                            </span>
                          ) : (
                            part.text
                          ),
                        )}
                      </Fragment>
                    ))}
                  </code>
                  {!inputLocked && (
                    <button
                      type="button"
                      className="run"
                      disabled={preparing}
                      aria-label={`Run this: ${command}`}
                      title={`Type it into the ${shell} shell and run it`}
                      onClick={() => client.runCommand(template, shell, step.commandLanguages?.[i])}
                    >
                      Run this
                    </button>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {step.hint && (
        <div className="hint">
          <button type="button" className="link-button" aria-expanded={hintOpen} aria-controls={hintId} onClick={() => setHintOpen(!hintOpen)}>
            {hintOpen ? 'Hide hint' : 'Show hint'}
          </button>
          <div id={hintId} hidden={!hintOpen}>
            <Markdown source={step.hint} />
          </div>
        </div>
      )}
    </>
  );
  const status = step.state === 'done' ? 'done' : step.reason ?? stateWord[step.state];
  return (
    <li className={`step step-${step.state}`} aria-label={label} aria-current={step.state === 'current' ? 'step' : undefined}>
      <div className="step-head">
        <span className="step-mark" aria-hidden="true">
          {step.state === 'done' ? '✓' : number}
        </span>
        <h4 className="step-title">
          {step.challenge && <span className="challenge-badge">Challenge · no hints </span>}
          {/* The badge says "Challenge" already: a title that starts with it shows the rest. */}
          {step.challenge ? step.title.replace(/^Challenge:\s*/, '') : step.title}
        </h4>
      </div>
      <p className={`step-state state-${step.state}`}>
        <span className="visually-hidden">State: </span>
        <InlineMarkdown source={status} />
      </p>
      {step.state !== 'current' && <PredictionSummary step={step} />}
      {step.state === 'current' ? body : hasBody && (
        <details className="step-details">
          <summary>{step.state === 'done' ? 'What this step did' : 'Read ahead'}</summary>
          {body}
        </details>
      )}
    </li>
  );
}

/** Once the learner has moved on, their prediction and what happened stay in sight (not folded away). */
function PredictionSummary({ step }: { step: LessonStepDetail }) {
  const result = predictionResult(step.prediction);
  if (!result) return null;
  const verdict = result.right === null ? '' : result.right ? ' (right)' : ' (not this time)';
  return (
    <div className="prediction-result" role="note" aria-label={`Prediction result for ${step.title}`}>
      <p>
        <span className="prediction-result-label">You predicted:</span> <InlineMarkdown source={result.picked} />
        {verdict}
      </p>
      <p>
        <span className="prediction-result-label">What happened:</span> <InlineMarkdown source={result.happened} />
      </p>
    </div>
  );
}

function shellOf(step: LessonStepDetail, index: number): ShellRole {
  return step.commandShells?.[index] ?? shellForCommand(step.commands?.[index] ?? '');
}
