import { docShape } from './doc.js';
import { orderShape } from './order.js';
import type { Shape } from './shape.js';
import { wideShape } from './wide.js';

export const SHAPES: Record<Shape['name'], Shape> = { order: orderShape, wide: wideShape, doc: docShape };
export type ShapeName = Shape['name'];
export * from './shape.js';
