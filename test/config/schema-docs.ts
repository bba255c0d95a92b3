import type { z } from 'zod';

/** Keys of an object schema (nested tables and array elements included) that carry no `.describe()`. */
export function undescribedKeys(schema: z.ZodType, path = ''): string[] {
  const def = schema._zod.def as { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; in?: z.ZodType };
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, value]) => [...(value.description ? [] : [`${path}${key}`]), ...undescribedKeys(value, `${path}${key}.`)]);
  }
  if (def.innerType) return undescribedKeys(def.innerType, path);
  if (def.type === 'array' && def.element) return undescribedKeys(def.element, `${path}[].`);
  if (def.type === 'pipe' && def.in) return undescribedKeys(def.in, path);
  return [];
}
