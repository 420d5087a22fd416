/**
 * Wires the page: the drawing pad and the file inputs make cards, and every card sends its
 * image as its own task so that one refused file never hides the others' results.
 */

import { DrawingPad } from './drawing-pad.js';
import { describeError } from './error-messages.js';
import { followTask, getApiKey, setApiKey, submitImage } from './lensq-api.js';
import { ResultCard } from './result-card.js';

/** Lines kept in the screen reader log; older ones have been read out already. */
const MAX_ANNOUNCEMENTS = 10;

const elements = {
  pad: document.getElementById('pad'),
  readDrawing: document.getElementById('read-drawing'),
  undo: document.getElementById('undo'),
  clear: document.getElementById('clear'),
  dropZone: document.getElementById('drop-zone'),
  fileInput: document.getElementById('file-input'),
  cards: document.getElementById('cards'),
  emptyResults: document.getElementById('empty-results'),
  clearResults: document.getElementById('clear-results'),
  resultsHeading: document.getElementById('results-heading'),
  cardTemplate: document.getElementById('card-template'),
  announcer: document.getElementById('announcer'),
  apiKeySettings: document.getElementById('api-key-settings'),
  apiKey: document.getElementById('api-key'),
};

const cards = new Set();
let drawingCount = 0;

const pad = new DrawingPad(elements.pad, {
  onChange: updatePadButtons,
  onSubmit: () => void readDrawing(),
});

listenToPad();
listenForFiles();
listenToApiKey();
listenToResults();

function listenToPad() {
  elements.readDrawing.addEventListener('click', () => void readDrawing());
  elements.undo.addEventListener('click', () => pad.undo());
  elements.clear.addEventListener('click', () => pad.clear());
  updatePadButtons();
}

function updatePadButtons() {
  const isEmpty = pad.isEmpty;
  elements.readDrawing.disabled = isEmpty;
  elements.undo.disabled = isEmpty;
  elements.clear.disabled = isEmpty;
  elements.pad.parentElement.classList.toggle('has-ink', !isEmpty);
}

async function readDrawing() {
  if (pad.isEmpty) return;

  drawingCount += 1;
  const image = await pad.toPngBlob();
  const [card] = addCards([{ name: `drawing-${drawingCount}.png`, image }]);
  card.element.scrollIntoView({ block: 'nearest', behavior: scrollBehaviour() });
}

function listenForFiles() {
  elements.fileInput.addEventListener('change', () => {
    addFiles(elements.fileInput.files);
    elements.fileInput.value = ''; // choosing the same file again still sends it
  });

  // The whole window accepts drops: a near miss must not navigate away to the file.
  let dragDepth = 0;
  window.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    dragDepth += 1;
    elements.dropZone.classList.add('is-dragging');
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) elements.dropZone.classList.remove('is-dragging');
  });
  window.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    elements.dropZone.classList.remove('is-dragging');
    addFiles(event.dataTransfer.files);
  });

  document.addEventListener('paste', (event) => {
    const files = event.clipboardData?.files;
    if (files?.length) addFiles(files);
  });
}

function hasFiles(event) {
  return Boolean(event.dataTransfer?.types.includes('Files'));
}

function addFiles(fileList) {
  addCards([...fileList].map((file) => ({ name: file.name || 'pasted image', image: file })));
}

/** Newest first, but the files of one drop keep their order. */
function addCards(entries) {
  const added = entries.map(({ name, image }) => {
    const card = new ResultCard(elements.cardTemplate, { name, image, onRemove: removeCard });
    cards.add(card);
    return card;
  });
  elements.cards.prepend(...added.map((card) => card.element));
  updateResultsHeader();

  added.forEach((card) => void follow(card));
  return added;
}

/** Submits the card's image, follows its task to the end, and shows what came of it. */
async function follow(card) {
  card.showSending();
  try {
    const resultId = await submitImage(card.image, card.name, card.signal);
    card.showProgress({ ready: false, status: 'queued' });

    const result = await followTask(resultId, (answer) => card.showProgress(answer), card.signal);

    card.showResult(result);
  } catch (error) {
    if (card.signal.aborted) return;
    const problem = describeError(error);
    card.showError(problem, problem.isRetryable ? () => void follow(card) : null);
    if (problem.code === 'unauthorized') elements.apiKeySettings.open = true;
  }

  announce(card.announcement);
}

function listenToApiKey() {
  elements.apiKey.value = getApiKey();
  elements.apiKeySettings.open = Boolean(elements.apiKey.value);
  elements.apiKey.addEventListener('change', () => setApiKey(elements.apiKey.value.trim()));
}

function listenToResults() {
  elements.clearResults.addEventListener('click', () => {
    [...cards].forEach(removeCard);
    elements.resultsHeading.focus();
  });
  updateResultsHeader();
}

function removeCard(card) {
  const hadFocus = card.element.contains(document.activeElement);

  card.dispose();
  card.element.remove();
  cards.delete(card);
  updateResultsHeader();

  // The focused Remove button is gone: keep keyboard users in the results, not at the top.
  if (hadFocus) elements.resultsHeading.focus();
}

function updateResultsHeader() {
  elements.emptyResults.hidden = cards.size > 0;
  elements.clearResults.hidden = cards.size === 0;
}

/** Adds a line to the live log, so that cards finishing together are each read out. */
function announce(message) {
  const line = document.createElement('p');
  line.textContent = message;
  elements.announcer.append(line);

  while (elements.announcer.childElementCount > MAX_ANNOUNCEMENTS) {
    elements.announcer.firstElementChild.remove();
  }
}

function scrollBehaviour() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
