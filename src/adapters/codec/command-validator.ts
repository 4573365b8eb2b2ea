import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { CommandValidator } from '../../application/commands/command-bus';
import { COMMAND_TYPES, type CommandType } from '../../application/commands/command.types';
import { createAjv, findSchemasDir, toViolations } from './schema-registry';

/** Validates command payloads against schemas/commands/<Type>.json, compiled once at start. */
export class JsonSchemaCommandValidator implements CommandValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(dir: string = join(findSchemasDir(), 'commands')) {
    const ajv = createAjv();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      this.validators.set(file.replace(/\.json$/, ''), ajv.compile(JSON.parse(readFileSync(join(dir, file), 'utf8'))));
    }
    const missing = COMMAND_TYPES.filter((type) => !this.validators.has(type));
    if (missing.length > 0) throw new Error(`No command schema for ${missing.join(', ')} in ${dir}`);
  }

  violations(type: CommandType, payload: unknown): readonly { path: string; message: string }[] {
    const validate = this.validators.get(type);
    if (!validate) return [{ path: '', message: `unknown command ${type}` }];
    return validate(payload) ? [] : toViolations(validate.errors);
  }
}
