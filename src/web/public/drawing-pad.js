/**
 * A square drawing pad: white ink on black, like the handwriting the model learned from.
 * Pointer events cover mouse, touch and pen; the arrow keys move a pen for keyboard users
 * (hold Shift to draw). Strokes are kept as points so that undo can redraw the rest.
 */

/** About 2 of the model's 28 pixels once the 280-pixel pad is shrunk: a pen, not a marker. */
const LINE_WIDTH = 18;
const KEYBOARD_STEP = 10;
const INK = '#ffffff';
const PAPER = '#000000';
const CURSOR = '#f5a623';

const ARROW_STEPS = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
};

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange: () => void, onSubmit: () => void }} handlers
   */
  constructor(canvas, handlers) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    this.handlers = handlers;
    this.strokes = [];
    this.pointerStroke = null;
    this.pointerId = null;
    this.keyboardStroke = null;
    this.cursor = { x: canvas.width / 2, y: canvas.height / 2 };
    this.isCursorShown = false;

    this.listen();
    this.render();
  }

  get isEmpty() {
    return this.strokes.length === 0;
  }

  undo() {
    this.strokes.pop();
    this.finishChange();
  }

  clear() {
    this.strokes = [];
    this.finishChange();
  }

  /** The drawing as an opaque PNG, without the keyboard cursor. */
  toPngBlob() {
    const copy = document.createElement('canvas');
    copy.width = this.canvas.width;
    copy.height = this.canvas.height;
    this.paint(copy.getContext('2d'), { isCursorShown: false });

    return new Promise((resolve, reject) => {
      copy.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('The drawing could not be exported'))),
        'image/png',
      );
    });
  }

  listen() {
    const canvas = this.canvas;
    canvas.addEventListener('pointerdown', (event) => this.startPointerStroke(event));
    canvas.addEventListener('pointermove', (event) => this.extendPointerStroke(event));
    canvas.addEventListener('pointerup', (event) => this.endPointerStroke(event));
    canvas.addEventListener('pointercancel', (event) => this.endPointerStroke(event));
    canvas.addEventListener('keydown', (event) => this.onKeyDown(event));
    canvas.addEventListener('keyup', (event) => {
      if (event.key === 'Shift') this.endKeyboardStroke();
    });
    canvas.addEventListener('blur', () => {
      this.endKeyboardStroke();
      this.isCursorShown = false;
      this.render();
    });
  }

  startPointerStroke(event) {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    if (this.pointerStroke) return;

    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pointerId = event.pointerId;
    this.isCursorShown = false;
    this.pointerStroke = [this.toCanvasPoint(event)];
    this.strokes.push(this.pointerStroke);
    this.render();
  }

  extendPointerStroke(event) {
    if (!this.pointerStroke || event.pointerId !== this.pointerId) return;

    // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
    const events = event.getCoalescedEvents?.() ?? [];
    for (const sample of events.length > 0 ? events : [event]) {
      this.pointerStroke.push(this.toCanvasPoint(sample));
    }
    this.render();
  }

  endPointerStroke(event) {
    if (!this.pointerStroke || event.pointerId !== this.pointerId) return;

    this.pointerStroke = null;
    this.pointerId = null;
    this.finishChange();
  }

  onKeyDown(event) {
    const step = ARROW_STEPS[event.key];
    if (step) {
      event.preventDefault();
      this.moveKeyboardPen(step, event.shiftKey);
      return;
    }
    if (event.key === 'Enter') {
      event.preventDefault();
      this.handlers.onSubmit();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') {
      event.preventDefault();
      this.undo();
    }
  }

  moveKeyboardPen([dx, dy], isDrawing) {
    const from = { ...this.cursor };
    this.cursor = {
      x: clamp(from.x + dx * KEYBOARD_STEP, 0, this.canvas.width),
      y: clamp(from.y + dy * KEYBOARD_STEP, 0, this.canvas.height),
    };
    this.isCursorShown = true;

    if (isDrawing) {
      if (!this.keyboardStroke) {
        this.keyboardStroke = [from];
        this.strokes.push(this.keyboardStroke);
      }
      this.keyboardStroke.push({ ...this.cursor });
    } else {
      this.endKeyboardStroke();
    }
    this.render();
  }

  endKeyboardStroke() {
    if (!this.keyboardStroke) return;

    this.keyboardStroke = null;
    this.finishChange();
  }

  finishChange() {
    this.render();
    this.handlers.onChange();
  }

  toCanvasPoint(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * this.canvas.width,
      y: ((event.clientY - box.top) / box.height) * this.canvas.height,
    };
  }

  render() {
    this.paint(this.context, { isCursorShown: this.isCursorShown });
  }

  paint(context, { isCursorShown }) {
    const { width, height } = context.canvas;
    context.fillStyle = PAPER;
    context.fillRect(0, 0, width, height);

    context.strokeStyle = INK;
    context.fillStyle = INK;
    context.lineWidth = LINE_WIDTH;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    for (const stroke of this.strokes) paintStroke(context, stroke);

    if (isCursorShown) {
      context.strokeStyle = CURSOR;
      context.lineWidth = 2;
      context.beginPath();
      context.arc(this.cursor.x, this.cursor.y, LINE_WIDTH / 2 + 2, 0, 2 * Math.PI);
      context.stroke();
    }
  }
}

function paintStroke(context, points) {
  const [first, ...rest] = points;
  if (rest.length === 0) {
    context.beginPath();
    context.arc(first.x, first.y, LINE_WIDTH / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }

  context.beginPath();
  context.moveTo(first.x, first.y);
  for (const point of rest) context.lineTo(point.x, point.y);
  context.stroke();
}

function clamp(value, lowest, highest) {
  return Math.min(highest, Math.max(lowest, value));
}
