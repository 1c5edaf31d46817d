import { useTranslation } from 'react-i18next';
import { fieldKind } from './json-schema';
import type { FieldProps } from './form-context';
import { TextField } from './TextField';
import { NumberField } from './NumberField';
import { EnumField } from './EnumField';
import { BooleanField } from './BooleanField';
import { ObjectField } from './ObjectField';
import { ArrayField } from './ArrayField';
import { PhotoField, PhotoListField } from './PhotoField';

/** One field of a generated form, chosen by the schema; objects and arrays recurse through here. */
export function SchemaField(p: FieldProps) {
  switch (fieldKind(p.schema)) {
    case 'object':
      return <ObjectField {...p} />;
    case 'array':
      return <ArrayField {...p} />;
    case 'photos':
      return <PhotoListField {...p} />;
    case 'photo':
      return <PhotoField {...p} />;
    case 'enum':
      return <EnumField {...p} />;
    case 'boolean':
      return <BooleanField {...p} />;
    case 'number':
    case 'integer':
      return <NumberField {...p} />;
    case 'date':
    case 'textarea':
    case 'text':
      return <TextField {...p} />;
    default:
      return <UnsupportedField {...p} />;
  }
}

/** A field of a kind the generated form cannot edit: its name and its JSON type. */
function UnsupportedField(p: FieldProps) {
  const { t } = useTranslation('capture');
  return (
    <div className="field" data-path={p.path}>
      <span className="muted">{t('field.unsupported', { label: p.label, type: JSON.stringify(p.schema.type ?? t('field.untyped')) })}</span>
    </div>
  );
}
