/**
 * One card per image sent: its thumbnail, then the task's progress, then the digit, the
 * confidence, the ten probabilities and the 28x28 picture the model saw, or what went wrong.
 */

import { describeImageError, describeTaskFailure } from './error-messages.js';

const STATUS_WORDS = {
  sending: 'Sending…',
  queued: 'Waiting in line…',
  active: 'Reading…',
};

export class ResultCard {
  /**
   * @param {HTMLTemplateElement} template
   * @param {{ name: string, image: Blob, onRemove: (card: ResultCard) => void }} options
   */
  constructor(template, { name, image, onRemove }) {
    this.name = name;
    this.image = image;
    this.element = template.content.firstElementChild.cloneNode(true);
    this.abortController = new AbortController();
    this.thumbnailUrl = URL.createObjectURL(image);
    this.retry = null;

    this.part('.card-name').textContent = name;
    this.element.dataset.name = name;
    this.showThumbnail();
    this.part('.card-remove').setAttribute('aria-label', `Remove ${name}`);
    this.part('.card-remove').addEventListener('click', () => onRemove(this));
    this.part('.card-retry').addEventListener('click', () => this.retry?.());
  }

  get signal() {
    return this.abortController.signal;
  }

  /** Stops polling and frees the thumbnail; the caller removes the element. */
  dispose() {
    this.abortController.abort();
    URL.revokeObjectURL(this.thumbnailUrl);
  }

  showSending() {
    this.setState('sending');
    this.part('.card-error').hidden = true;
    this.part('.card-seen-figure').hidden = false;
  }

  /** A poll answer that is not ready yet: queued or active. */
  showProgress(result) {
    if (result.ready) return;
    this.setState(result.status === 'active' ? 'active' : 'queued');
  }

  /** A ready result: the digit and its evidence, or why there is none. */
  showResult(result) {
    const [image] = result.images;
    if (image?.input) this.showModelInput(image.input);

    if (!result.successful || !image) {
      this.showError(describeTaskFailure(result.error));
      return;
    }
    if (image.error || image.digit === null) {
      this.showError(describeImageError(image.error ?? { code: 'no-digit', message: '' }));
      return;
    }

    this.setState('done');
    this.element.dataset.uncertain = String(image.uncertain);
    this.showAnswer(image);
    this.showChart(image.probabilities, image.digit);
    this.showUncertainty(image);
  }

  /** @param {{ summary: string, detail: string, isRetryable: boolean }} problem */
  showError(problem, retry = null) {
    this.setState('error');
    this.element.dataset.errorCode = problem.code;
    this.part('.card-status').textContent = 'Not read';
    this.part('.card-error-summary').textContent = problem.summary;
    this.part('.card-error-detail').textContent = problem.detail;
    this.part('.card-error-detail').hidden = !problem.detail;
    this.part('.card-error').hidden = false;
    // A refused file never reached the model: an empty "Model saw" would only puzzle.
    this.part('.card-seen-figure').hidden = this.part('.card-seen').hidden;

    this.retry = retry;
    this.part('.card-retry').hidden = !retry;
  }

  /** One sentence for screen readers once the card settles. */
  get announcement() {
    const state = this.element.dataset.state;
    if (state === 'done') {
      const digit = this.part('.card-digit').textContent;
      const confidence = this.part('.card-confidence').textContent;
      const doubt = this.element.dataset.uncertain === 'true' ? ', but lensq is not sure' : '';
      return `${this.name}: read ${digit}, ${confidence}${doubt}.`;
    }
    return `${this.name}: not read. ${this.part('.card-error-summary').textContent}`;
  }

  showThumbnail() {
    const thumbnail = this.part('.card-thumbnail');
    thumbnail.alt = `Your image ${this.name}`;
    thumbnail.addEventListener('error', () => {
      // Not an image this browser can show (TIFF, say), or not an image at all.
      thumbnail.hidden = true;
      this.part('.card-thumbnail-missing').hidden = false;
    });
    thumbnail.src = this.thumbnailUrl;
  }

  showModelInput(dataUri) {
    const seen = this.part('.card-seen');
    seen.src = dataUri;
    seen.alt = `The 28 by 28 pixel picture the model read for ${this.name}`;
    seen.hidden = false;
    this.part('.card-seen-placeholder').hidden = true;
  }

  showAnswer(image) {
    this.part('.card-status').textContent = image.uncertain ? 'Read, not sure' : 'Read';
    this.part('.card-digit').textContent = String(image.digit);
    // The model's own confidence; a digit can be doubted for other reasons (see uncertaintyNote).
    this.part('.card-confidence').textContent = `model: ${percent(image.confidence)}`;
    this.part('.card-answer').hidden = false;
  }

  showChart(probabilities, digit) {
    const chart = this.part('.chart');
    chart.replaceChildren(
      ...probabilities.map((probability, candidate) =>
        chartBar(candidate, probability, candidate === digit),
      ),
    );
    chart.hidden = false;
  }

  showUncertainty(image) {
    if (!image.uncertain) return;

    const note = this.part('.card-uncertain');
    note.textContent = uncertaintyNote(image);
    note.hidden = false;
  }

  setState(state) {
    this.element.dataset.state = state;
    this.element.setAttribute('aria-busy', String(!['done', 'error'].includes(state)));
    if (STATUS_WORDS[state]) this.part('.card-status').textContent = STATUS_WORDS[state];
  }

  part(selector) {
    return this.element.querySelector(selector);
  }
}

function chartBar(candidate, probability, isPredicted) {
  const item = document.createElement('li');
  item.className = isPredicted ? 'chart-item is-predicted' : 'chart-item';
  item.title = `${candidate}: ${percent(probability, 1)}`;

  const track = document.createElement('span');
  track.className = 'chart-track';
  const fill = document.createElement('span');
  fill.className = 'chart-fill';
  // Set through the CSS object model: the page's policy forbids inline style attributes.
  fill.style.setProperty('--probability', String(probability));
  track.append(fill);

  const label = document.createElement('span');
  label.className = 'chart-label';
  label.textContent = String(candidate);
  const value = document.createElement('span');
  value.className = 'visually-hidden';
  value.textContent = `: ${percent(probability, 1)}`;

  item.append(track, label, value);
  return item;
}

function percent(fraction, digits = 0) {
  const value = (fraction * 100).toFixed(digits);
  return fraction > 0 && Number(value) === 0 ? `<${10 ** -digits}%` : `${value}%`;
}

/** Why the digit is not sure, in plain words: the image's own doubts first, then the model's. */
function uncertaintyNote(image) {
  const doubts = image.doubts ?? [];
  if (doubts.includes('most-ink-set-aside')) {
    return 'Not sure: most of the ink in this picture is not part of the digit read. Send one digit per image.';
  }
  if (doubts.includes('solid-ink')) {
    return 'Not sure: a filled-in shape was read by its outline. Compare "Model saw" with your digit.';
  }
  if (doubts.includes('unlike-a-digit')) {
    return 'Not sure: this looks unlike the handwritten digits the model knows. Compare "Model saw" with your digit.';
  }
  const runnerUp = image.probabilities
    .map((probability, candidate) => ({ probability, candidate }))
    .filter(({ candidate }) => candidate !== image.digit)
    .sort((first, second) => second.probability - first.probability)[0];
  return (
    `Not sure: the model hesitated, its next guess is ${runnerUp.candidate} ` +
    `(${percent(runnerUp.probability)}). Compare "Model saw" with your digit.`
  );
}
