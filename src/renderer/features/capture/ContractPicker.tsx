import { useTranslation } from 'react-i18next';
import { useCapture } from './capture-store';
import { contractVersion } from './schema-form/json-schema';
import { contractWords } from './schema-form/localize';

/** Which contract to capture: title, version and what it is for. */
export function ContractPicker() {
  const { t, i18n } = useTranslation('capture');
  const { contracts, contractRef, selectContract, contractsError } = useCapture();
  const current = contracts.find((c) => c.contract === contractRef);
  const about = current && contractWords(current, i18n.language);
  if (contractsError)
    return (
      <p className="error" role="alert">
        {t('contract.loadError', { error: contractsError })}
      </p>
    );
  if (contracts.length === 0) return <p className="muted">{t('contract.none')}</p>;
  return (
    <div className="contract-picker">
      <label>
        {t('contract.label')}
        <select value={contractRef ?? ''} onChange={(e) => void selectContract(e.target.value)}>
          {contracts.map((c) => (
            <option key={c.contract} value={c.contract}>
              {t('contract.option', { title: contractWords(c, i18n.language).title, version: contractVersion(c.contract) })}
            </option>
          ))}
        </select>
      </label>
      {current && about && (
        <div className="contract-about">
          <div>
            <strong>{about.title}</strong> <span className="badge badge-version">{t('contract.version', { version: contractVersion(current.contract) })}</span>{' '}
            <span className="muted mono small">{current.contract}</span>
          </div>
          {about.description && <p className="muted">{about.description}</p>}
        </div>
      )}
    </div>
  );
}
